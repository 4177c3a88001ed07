"""Every regular expression and parser that sees user text finishes on 10,000 hostile characters.

A backtracking pattern holds the interpreter while it runs (the regex engine
never lets go of the GIL), so one slow message stops every thread: the health
check, the other commands, the scheduler. The failure mode is a hang, so each
call runs under a real-time alarm: a call still running after BUDGET seconds is
interrupted and fails the test, whatever the machine's load. Linear code takes
milliseconds here; the budget only has to separate "linear" from "cubic", which
on these inputs is seconds against hours.

Patterns are found, not listed: every compiled pattern held at module level in
bot/, core/, config/ and storage/ (and in the rule tables of the postmortem
checker and redactor) is run, so a new one is tested the day it is written.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
import re
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.commands import actions
from bot.workflows import slack_messages
from core import action_items as items
from core import channel_names, due_dates, safe_text, timeline_notes, updates, when
from core.analytics import periods, similar, tagging
from core.errors import SitrepError
from core.postmortem import ai, blameless, redact
from core.postmortem import text as markdown
from core.postmortem.ai import AIUnavailable
from storage import search

BUDGET = 2.0  # seconds for one call on 10,000 characters; linear code needs milliseconds
SIZE = 10_000


def _hostile() -> dict[str, str]:
    half = SIZE // 2
    rng = random.Random(16)
    printable = "".join(chr(c) for c in range(32, 127)) + "\u2028\u00a0\u202e\u200b\n\t"
    return {
        "spaces": " " * SIZE,
        "tabs and spaces": " \t" * half,
        "line separators": "\u2028" * SIZE,
        "separators and spaces": "x\u2028 \u2029\u0085 " * (SIZE // 7),
        "heading of spaces": "# a" + " " * (half - 3) + "#" + " " * (half - 2) + "x",
        "hashes and spaces": "# " * half,
        "open brackets": "[" * SIZE,
        "nested brackets": "[" * half + "]" * half,
        "bracket pairs": "[a](" * (SIZE // 4),
        "nested parens": "(" * half + ")" * half,
        "angles": "<" * SIZE,
        "unclosed tokens": "<!here|" * (SIZE // 7),
        "mentions": "<@U1|" * (SIZE // 5),
        "digits": "1" * SIZE,
        "spaced digits": "1 " * half,
        "dashed digits": "1-" * half,
        "phone-ish": "+1 (" * (SIZE // 4),
        "at signs": "a@" * half,
        "dots": "a." * half,
        "at then dots": "a@" * (SIZE // 4) + "a." * (SIZE // 4),
        "dashes": "-" * SIZE,
        "underscores and stars": "_*" * half,
        "backticks": "`" * SIZE,
        "colons": ":" * SIZE,
        "schemes": "://a:" * (SIZE // 5),
        "pipes": " | " * (SIZE // 3),
        "quotes": '"' * SIZE,
        "backslashes": "\\" * SIZE,
        "assignments": "password: '" * (SIZE // 11),
        "bearer": "Bearer " * (SIZE // 7),
        "pem": "-----BEGIN " * (SIZE // 11),
        "word then spaces": "a" + " " * (SIZE - 2) + "!",
        "letters": "a" * SIZE,
        "capitals and spaces": "Bob " * (SIZE // 4),
        "random": "".join(rng.choice(printable) for _ in range(SIZE)),
    }


HOSTILE = _hostile()


@contextmanager
def deadline(what: str) -> Iterator[None]:
    """Interrupt the block after BUDGET seconds (the regex engine checks for signals)."""

    def expire(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"{what} ran longer than {BUDGET}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, BUDGET)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ----- every module-level pattern ------------------------------------------------


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: dict[str, re.Pattern[str]] = {}
    for package in ("bot", "core", "config", "storage"):
        module = importlib.import_module(package)
        names = [package] + [
            info.name
            for info in pkgutil.walk_packages(module.__path__, package + ".")
            if ".migrations" not in info.name
        ]
        for name in names:
            loaded = importlib.import_module(name)
            for attr, value in vars(loaded).items():
                if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                    found[f"{name}.{attr}"] = value
                rules = value if attr == "RULES" and isinstance(value, tuple) else ()
                for index, rule in enumerate(rules):
                    found[f"{name}.RULES[{index}]"] = rule.pattern
    return sorted(found.items())


PATTERNS = _patterns()


def test_the_patterns_were_found() -> None:
    names = {name for name, _ in PATTERNS}
    assert "core.postmortem.blameless.HEADING" in names
    assert "core.postmortem.redact.RULES[0]" in names
    assert len(PATTERNS) > 40


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_pattern_is_fast_on_hostile_input(name: str, pattern: re.Pattern[str]) -> None:
    for label, text in HOSTILE.items():
        with deadline(f"{name} on {label}"):
            for _ in pattern.finditer(text):
                pass
            pattern.match(text)
            pattern.fullmatch(text)


# ----- every parser of user text, with its inline patterns and loops ------------------


def _parsers() -> dict[str, Callable[[str], object]]:
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    today = date(2026, 1, 5)
    return {
        "blameless.check_text": blameless.check_text,
        "blameless.check_document": blameless.check_document,
        "blameless.check_fields": lambda s: blameless.check_fields({"summary": s, "x": [s]}),
        "redact": redact.redact,
        "text.slack_to_markdown": markdown.slack_to_markdown,
        "text.one_line": markdown.one_line,
        "text.safe_block": lambda s: markdown.safe_block(s, SIZE),
        "text.inert": markdown.inert,
        "ai.parse": lambda s: ai.parse('{"summary": ' + _json_string(s) + "}"),
        "ai.parse raw": ai.parse,
        "safe_text.mrkdwn": safe_text.mrkdwn,
        "safe_text.fallback": safe_text.fallback,
        "safe_text.topic": safe_text.topic,
        "channel_names.channel_name": channel_names.slugify,
        "due_dates.parse": lambda s: due_dates.parse(s, today),
        "when.parse_when": lambda s: when.parse_when(s, now),
        "timeline_notes.parse_note": lambda s: timeline_notes.parse_note("at " + s, "UTC", now),
        "updates.parse_text": updates.parse_text,
        "action_items.parse_id": items.parse_id,
        "actions.split_add": lambda s: actions.split_add(s, today),
        "tagging.parse": lambda s: tagging.parse(s, ()),
        "periods.parse_period": lambda s: periods.parse_period(s, now),
        "similar.words_of": similar.words_of,
        "search.parse": search.parse,
        "search.excerpt": lambda s: search.excerpt(s, ["timeout", "a"]),
        "slack_messages.plain_text": lambda s: slack_messages.plain_text(s, {}),
        "slack_messages.mentioned": slack_messages.mentioned,
    }


def _json_string(value: str) -> str:
    return json.dumps(value)


PARSERS = _parsers()


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parser_is_fast_on_hostile_input(name: str) -> None:
    parse = PARSERS[name]
    for label, text in HOSTILE.items():
        # Refusing the input is fine; hanging or crashing is not.
        with deadline(f"{name} on {label}"), suppress(SitrepError, ValueError, AIUnavailable):
            parse(text)


# ----- the reported case ---------------------------------------------------------------


def test_a_line_separator_cannot_start_a_heading_in_the_document() -> None:
    message = "see below\u2028# a" + " " * 1500 + "#" + " " * 1500 + "x\u2029\x85# b"
    line = markdown.one_line(message)
    assert "\u2028" not in line and "\u2029" not in line and "\x85" not in line
    document = f"## Full log\n\n- `14:05` **Bob**: {line}\n\n## Root cause\n\nIt was late."
    with deadline("check_document on the reported message"):
        blameless.check_document(document)
