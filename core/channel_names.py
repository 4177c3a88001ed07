"""Turn incident titles into channel names that Slack accepts.

Slack's rules: lowercase letters, digits, hyphens and underscores; at most 80
characters; never empty and never only punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MAX_LENGTH = 80
FALLBACK_SLUG = "incident"
_SEPARATORS = re.compile(r"[^a-z0-9_]+")


def _ascii_words(text: str) -> str:
    """Fold accents to ASCII and spell emoji and symbols out by their Unicode names.

    "Café down 🔥" becomes "cafe down fire", so an emoji-only title still
    gives a readable name instead of an empty one.
    """
    parts: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if char.isascii():
            parts.append(char)
        elif unicodedata.category(char) == "So":
            name = unicodedata.name(char, "")
            if name:
                parts.append(f" {name} ")
        elif unicodedata.category(char).startswith("Z"):
            parts.append(" ")
        # Combining marks and non-Latin letters without an ASCII form are dropped.
    return "".join(parts)


def slugify(text: str, max_length: int = MAX_LENGTH) -> str:
    """A lowercase, hyphenated slug of ``text``, cut at a word boundary."""
    slug = _SEPARATORS.sub("-", _ascii_words(text).lower()).strip("-_")
    slug = re.sub(r"-{2,}", "-", slug)
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[max_length // 2 :] else cut
        slug = slug.strip("-_")
    return slug or FALLBACK_SLUG


def channel_name(
    pattern: str, *, number: int, title: str, severity: str, today: date, suffix: str = ""
) -> str:
    """Fill the configured pattern so that the whole name, suffix included, fits 80 chars."""
    fixed = pattern.format(number=number, slug="", date=today.isoformat(), severity=severity)
    fixed = _SEPARATORS.sub("-", fixed.lower())
    room = MAX_LENGTH - len(fixed) - len(suffix)
    slug = slugify(title, max_length=max(room, 1)) if "{slug}" in pattern else ""
    name = pattern.format(number=number, slug=slug, date=today.isoformat(), severity=severity)
    name = re.sub(r"-{2,}", "-", _SEPARATORS.sub("-", name.lower())).strip("-_")
    name = name[: MAX_LENGTH - len(suffix)].strip("-_") + suffix
    return name or f"{FALLBACK_SLUG}-{number}"


def is_valid_channel_name(name: str) -> bool:
    return (
        0 < len(name) <= MAX_LENGTH
        and re.fullmatch(r"[a-z0-9_-]+", name) is not None
        and re.search(r"[a-z0-9]", name) is not None
    )


def variants(base_name: str, attempts: int = 20) -> list[str]:
    """Names to try after ``name_taken``: the base, then -2, -3 ... each kept within 80 chars."""
    names = [base_name]
    for n in range(2, attempts + 1):
        suffix = f"-{n}"
        names.append(base_name[: MAX_LENGTH - len(suffix)].rstrip("-_") + suffix)
    return names
