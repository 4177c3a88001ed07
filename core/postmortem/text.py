"""Turning Slack's message markup into Markdown that cannot reshape a document.

Messages and AI output are placed inside our template's structure; neither
may add headings or break a list, so every such text is made safe here first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

_ANGLE = re.compile(r"<([^<>\s][^<>]*)>")
_HEADING = re.compile(r"^(\s{0,3})#{1,6}(\s+|$)")
_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")


def slack_to_markdown(text: str, people: Mapping[str, str] | None = None) -> str:
    """Resolve mentions and links of Slack mrkdwn into plain Markdown."""
    if "<" not in text and "&" not in text:
        return text
    people = people or {}

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            user = target[1:]
            return "@" + (people.get(user) or label or user)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!subteam^"):
            return label or "@group"
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        if target.startswith("mailto:"):
            return label or target[len("mailto:") :]
        if "://" in target:
            return f"[{label}]({target})" if label and label != target else target
        return match.group(0)

    return html.unescape(_ANGLE.sub(replace, text))


def one_line(text: str, limit: int | None = None) -> str:
    """A message on one line, so it stays inside its list item."""
    if "\n" in text or "\r" in text:
        flat = " / ".join(part.strip() for part in text.splitlines() if part.strip())
    else:
        flat = text.strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def safe_block(text: str, limit: int) -> str:
    """Multi-line text (e.g. an AI paragraph) without headings or rules of its own."""
    lines = []
    for line in text.strip().splitlines():
        if _RULE.match(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            line = "**" + line[heading.end() :].strip() + "**"
        lines.append(line.rstrip())
    out = "\n".join(lines).strip()
    if len(out) > limit:
        out = out[: limit - 1].rstrip() + "…"
    return out
