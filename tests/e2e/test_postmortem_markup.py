"""The postmortem canvas holds no live link, image or HTML from chat text or model output.

Chat arrives the way Slack sends it (links as ``<url|label>``, typed ``<`` as
``&lt;``); the model is the local fake Messages API, answering with every kind
of markup a hostile message could talk it into. The canvas is then read with a
CommonMark parser, which is how it would be displayed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from emulator.mentions import broadcasts
from storage.models import TimelineEvent
from tests.e2e.lifecycle_helpers import declare
from tests.e2e.postmortem_helpers import canvas_markdown, command, published
from tests.support import slack_events as ev
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

EVIL = "evil.example"
CHAT = [
    "<https://evil.example/sso|Reset your SSO> before 5pm",
    "![pixel](<https://evil.example/p.png>) and ![](@UALICE)",
    '&lt;img src=https://evil.example/x.png&gt; &lt;a href="https://evil.example"&gt;go&lt;/a&gt;',
    "[docs]: <https://evil.example/ref>",
    "read [docs] and [Grafana](<https://evil.example/g>)",
    "<!channel> look at <https://grafana.example/d/1>",
]
ANSWER = {
    "summary": "Users were told to [Reset your SSO](https://evil.example/a). <!channel>",
    "narrative": "![chart](https://evil.example/i.png)\n<script>alert(1)</script>\n"
    "[r]: https://evil.example/r\nSee [r] and <https://evil.example/auto>.",
    "went_wrong": ['<a href="https://evil.example">the runbook</a> was out of date'],
    "lucky": ["<!here> noticed [early][r]"],
    "action_items": ["Check www.evil.example/settings"],
}


@pytest.fixture
def fake_ai() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic(answer=lambda _body: json.dumps(ANSWER)).start()
    yield server
    server.stop()


@pytest.fixture
def bot_config() -> dict:
    return {"postmortem": {"ai": {"model": "claude-e2e", "timeout": "20s", "max_retries": 0}}}


@pytest.fixture
def bot_env(bot_env: dict[str, str], fake_ai: FakeAnthropic) -> dict[str, str]:
    return {**bot_env, "ANTHROPIC_API_KEY": "sk-ant-test-key", "ANTHROPIC_BASE_URL": fake_ai.url}


def live_markup(markdown: str) -> list[tuple[str, Any]]:
    """Links, images and HTML as a CommonMark renderer would make them."""
    found: list[tuple[str, Any]] = []
    stack = list(MarkdownIt("commonmark").parse(markdown))
    while stack:
        token = stack.pop()
        if token.type in ("link_open", "image"):
            found.append((token.type, token.attrs.get("href") or token.attrs.get("src")))
        if token.type in ("html_inline", "html_block"):
            found.append((token.type, token.content))
        stack.extend(token.children or [])
    return found


def plain_words(markdown: str) -> str:
    """The text a reader sees outside code spans and code blocks."""
    words: list[str] = []
    stack = list(MarkdownIt("commonmark").parse(markdown))
    while stack:
        token = stack.pop()
        if token.type == "text":
            words.append(token.content)
        stack.extend(token.children or [])
    return " ".join(words)


def _captured(bot: RunningBot, incident_id: int) -> int:
    with bot.services.db.session() as session:
        query = select(func.count()).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "message"
        )
        return session.scalar(query) or 0


def test_the_canvas_has_no_link_image_or_html_from_chat_or_model(
    bot: RunningBot, fake_ai: FakeAnthropic
) -> None:
    incident = declare(bot, "sev2 Login [Reset](<https://evil.example/t>) broken")
    channel = incident.channel_id
    assert channel
    clock = ev.Clock(start=incident.declared_at.timestamp())
    for n, text in enumerate(CHAT):
        event = ev.message(channel, "UBOB", text, clock.next(0.02))
        bot.sender.event(event, event_id=f"EvMarkup{n}")
    wait_for(lambda: _captured(bot, incident.id) == len(CHAT))
    command(bot, incident, "resolve See [status](<https://evil.example/s>) for details")
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    assert row.source == "ai"

    markdown = canvas_markdown(bot, incident)
    assert live_markup(markdown) == []
    assert EVIL not in plain_words(markdown)  # every URL is a code span, shown as written
    assert "`https://evil.example/sso`" in markdown and "Reset your SSO" in markdown
    assert "`https://grafana.example/d/1`" in markdown
    assert broadcasts(markdown) == []
    # The model's answer was used, so its markup really was in play.
    assert "the runbook" in markdown and "was out of date" in markdown
