"""Turning Slack's message markup into Markdown that cannot reshape a document.

Messages and AI output are placed inside our template's structure; neither
may add headings or break a list, so every such text is made safe here first.

Nor may they add a live link, an image or HTML. The postmortem is published as
a canvas under the bot's name; ``[Reset your SSO](https://evil)`` pasted in
chat, or written by a model that read a hostile message, would otherwise become
a trusted-looking link there. ``inert`` leaves the words and shows every URL as
code, so a reader sees exactly where it points and nothing is clickable.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

_ANGLE = re.compile(r"<([^<>\s][^<>]*)>")
# Every character str.splitlines() breaks at, U+2028 included: a "line" of a message
# must not become a line of the document.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_BACKTICKS = re.compile(r"`+")
_LONG_BACKTICKS = re.compile(r"`{9,}")
_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]{1,20}://|\bwww\.)[^\s<>`]+", re.IGNORECASE)
# Link and image ends ``](``, reference definitions ``]:``, and ``<`` that opens
# HTML or an autolink: the syntax is broken by a space, which CommonMark forbids there.
_LIVE_SYNTAX = re.compile(r"\](?=[(:])|<(?=[A-Za-z/!?])")
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
            return f"{label} ({target})" if label and label != target else target
        return match.group(0)

    return html.unescape(_ANGLE.sub(replace, text))


def one_line(text: str, limit: int | None = None) -> str:
    """A message on one line, so it stays inside its list item."""
    if _LINE_BREAK.search(text):
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


def inert(text: str) -> str:
    """Markdown with no live link, image, autolink or HTML; URLs shown as code spans."""
    # Fences we add must not pair with backticks already there, so they are longer than
    # any run; runs are first cut to eight, or a long one would make every fence long.
    text = _LONG_BACKTICKS.sub("`" * 8, text)
    runs = [m.span() for m in _BACKTICKS.finditer(text)]
    fence = "`" * (1 + max((end - start for start, end in runs), default=0))
    out: list[str] = []
    position = 0
    for start, end in _code_spans(text, runs):
        out.append(_inert_outside_code(text[position:start], fence))
        out.append(text[start:end])
        position = end
    out.append(_inert_outside_code(text[position:], fence))
    return "".join(out)


def _code_spans(text: str, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where CommonMark sees code spans: a run of n backticks up to the next run of n."""
    later: dict[int, list[int]] = {}  # length -> indexes of runs of that length, last first
    for index in range(len(runs) - 1, -1, -1):
        start, end = runs[index]
        later.setdefault(end - start, []).append(index)
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, end = runs[index]
        same = later[end - start]
        while same and same[-1] <= index:
            same.pop()
        if not same:
            index += 1
            continue
        closer = same.pop()
        spans.append((start, runs[closer][1]))
        index = closer + 1
    return spans


def _inert_outside_code(text: str, fence: str) -> str:
    def as_code(match: re.Match[str]) -> str:
        url = match.group(0)
        kept = url.rstrip(".,;:!?*_~'\")")
        rest = url[len(kept) :]
        # A backtick touching our fence would lengthen it into a run that pairs elsewhere.
        source = match.string
        before = " " if match.start() and source[match.start() - 1] == "`" else ""
        after = " " if not rest and source[match.end() : match.end() + 1] == "`" else ""
        return f"{before}{fence}{kept}{fence}{after}{rest}"

    text = _LIVE_SYNTAX.sub(lambda m: m.group(0) + " " if m.group(0) == "<" else "] ", text)
    return _URL.sub(as_code, text)
