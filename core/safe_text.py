"""User text made safe to post again under the bot's name.

Anyone who can type in an incident channel can put ``<!channel>`` into a title,
a note or an update. Reposted by the bot, that token would notify a whole
channel (the broadcast channel holds everyone) on that person's behalf. Sitrep
never needs to notify a channel or a user group, so every such token, and the
bare ``@here`` that Slack links on some surfaces, is shown as text in all that
Sitrep renders. Mentions of single people (``<@U…>``) stay: Sitrep writes them
itself, and a person named in a note should still hear about it.

Fallback text and channel topics are held to more: they show in notifications
and in the channel header, where a disguised link (``<https://evil|Reset your
SSO>``) is as bad as a ping, so only person and channel mentions stay live there.

Everything here runs in linear time: it sees text of any length from anyone.
"""

from __future__ import annotations

import re

# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder
# what a reader sees ("Trojan Source"); C0/C1 controls have no business in a message.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _BIDI + "]")
_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")

# ``<!here>``, ``<!channel|channel>``, ``<!subteam^S123|@oncall>``... Only ``<!date^…>``
# (a formatted date, which notifies nobody) is left alone.
_SPECIAL_TOKEN = re.compile(r"<!(?!date\^)([^<>]*)>")
_SPECIAL_OPEN = re.compile(r"<!(?!date\^)")
_BARE = re.compile(r"(?<![\w@.])@(?=(?:here|channel|everyone|group)\b)", re.IGNORECASE)
WORD_JOINER = "\u2060"  # invisible; breaks "@here" so that no surface links it

# In fallback text and topics: person and channel mentions, nothing else.
_FALLBACK = re.compile(r"<((?:@[UW]|#[CG])[A-Z0-9]+)(\|[^<>]*)?>|[<>]")


def strip_controls(text: str, *, single_line: bool = False) -> str:
    """Drop control and bidi characters; ``single_line`` also folds every kind of line break."""
    if single_line:
        return " ".join(_CONTROLS.sub("", _BREAKS.sub(" ", text)).split())
    return _CONTROLS.sub("", text)


def clean_title(text: str) -> str:
    """A title or topic as one line of visible characters."""
    return strip_controls(text, single_line=True)


def defuse_broadcasts(text: str) -> str:
    """``<!here>``, ``<!channel>``, ``<!everyone>``, ``<!subteam^…>`` and ``@here`` as text."""
    if "<!" in text:
        text = _SPECIAL_TOKEN.sub(r"&lt;!\1&gt;", text)
        text = _SPECIAL_OPEN.sub("&lt;!", text)
    if "@" in text:
        text = _BARE.sub("@" + WORD_JOINER, text)
    return text


def mrkdwn(text: str) -> str:
    """Any mrkdwn the bot posts: no broadcast, no control characters."""
    return defuse_broadcasts(strip_controls(text))


def fallback(text: str) -> str:
    """Notification text: only ``<@U…>`` and ``<#C…>`` stay live; links show as text."""

    def keep_mentions(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0)
        return "&lt;" if match.group(0) == "<" else "&gt;"

    return defuse_broadcasts(_FALLBACK.sub(keep_mentions, strip_controls(text)))


def topic(text: str) -> str:
    """A channel topic: fallback rules, on one line."""
    return fallback(clean_title(text))
