"""AI drafting end to end, with ANTHROPIC_BASE_URL pointing at a local fake Messages API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.e2e.lifecycle_helpers import declare
from tests.e2e.postmortem_helpers import (
    INJECTION,
    SECRETS,
    blocks_text,
    canvas_markdown,
    command,
    published,
    run_incident,
    summary_message,
)
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.harness import RunningBot

MODEL = "claude-e2e-model"
ANSWER = {
    "summary": "A pricing deploy made checkout fail for enterprise customers until rollback.",
    "narrative": "# PWNED\nResponders matched the errors to the pricing deploy and rolled back.",
    "went_wrong": ["The pricing deploy had no canary stage"],
    "action_items": ["Add a schema check to the pricing client"],
}


@pytest.fixture
def fake_ai() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic(answer=lambda _body: json.dumps(ANSWER)).start()
    yield server
    server.stop()


@pytest.fixture
def bot_config() -> dict:
    # Generous, so a busy machine never times out an answering fake; the hang test uses 1s.
    return {"postmortem": {"ai": {"model": MODEL, "timeout": "20s", "max_retries": 0}}}


@pytest.fixture
def bot_env(bot_env: dict[str, str], fake_ai: FakeAnthropic) -> dict[str, str]:
    return {**bot_env, "ANTHROPIC_API_KEY": "sk-ant-test-key", "ANTHROPIC_BASE_URL": fake_ai.url}


def headings(markdown: str) -> list[str]:
    return re.findall(r"^#{1,3} .+$", markdown, re.M)


def test_the_request_is_redacted_and_the_answer_lands_in_the_document(
    bot: RunningBot, fake_ai: FakeAnthropic
) -> None:
    script = run_incident(bot)
    incident = script.incident
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    assert row.source == "ai" and row.notice == ""

    assert len(fake_ai.requests) == 1
    sent = fake_ai.requests[0]
    assert sent.model == MODEL
    body = json.dumps(sent.body, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in body
    data = sent.content.split("<incident_data>")[1].split("</incident_data>")[0]
    timeline = [r["text"] for r in json.loads(data)["timeline"]]
    assert INJECTION in timeline  # quoted as data, inside the block
    assert any("[redacted token]" in t and "[redacted email]" in t for t in timeline)
    assert all(t in " ".join(timeline) for t in script.key_texts)

    markdown = canvas_markdown(bot, incident)
    assert ANSWER["summary"] in markdown
    assert "- The pricing deploy had no canary stage" in markdown
    assert "# PWNED" not in markdown and "**PWNED**" in markdown
    assert f"Drafted by Sitrep with {MODEL}" in markdown
    summary = summary_message(bot, incident, row)
    buttons = [b["accessory"] for b in summary["blocks"] if "accessory" in b]
    assert [json.loads(b["value"])["text"] for b in buttons] == [
        script.proposed,
        "Add a schema check to the pricing client",
    ]


def test_an_injected_message_does_not_change_the_structure(
    bot: RunningBot, fake_ai: FakeAnthropic
) -> None:
    script = run_incident(bot)
    incident = script.incident
    command(bot, incident, "postmortem")
    with_ai = published(bot, incident.id)
    fake_ai.status = 500
    command(bot, incident, "postmortem")
    template_only = published(bot, incident.id, count=2)
    assert template_only.source == "template"
    assert headings(with_ai.content)[1:] == headings(template_only.content)[1:]


def test_a_failing_service_gets_the_template_draft_with_a_notice(
    bot: RunningBot, fake_ai: FakeAnthropic
) -> None:
    fake_ai.status = 500
    script = run_incident(bot)
    incident = script.incident
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    assert row.source == "template"
    assert "HTTP 500" in row.notice and "template draft" in row.notice
    assert "_Tell the story:" in canvas_markdown(bot, incident)
    text = blocks_text(summary_message(bot, incident, row))
    assert "AI drafting was not available (the AI service answered with HTTP 500)" in text
    assert len(fake_ai.requests) == 1  # max_retries: 0


@pytest.mark.parametrize(
    "bot_config", [{"postmortem": {"ai": {"model": MODEL, "timeout": "1s", "max_retries": 0}}}]
)
def test_a_hanging_service_times_out_into_the_template_draft(
    bot: RunningBot, fake_ai: FakeAnthropic
) -> None:
    fake_ai.hang = True
    script = run_incident(bot)
    incident = script.incident
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    assert row.source == "template"
    assert "did not answer within 1s" in row.notice
    assert "did not answer within 1s" in blocks_text(summary_message(bot, incident, row))
    assert "## Timeline" in canvas_markdown(bot, incident)


AI = {"model": MODEL, "timeout": "20s", "max_retries": 0}


@pytest.mark.parametrize(
    ("bot_config", "source"),
    [
        ({"private_by_default": True, "postmortem": {"ai": AI}}, "template"),
        ({"private_by_default": True, "postmortem": {"ai": {**AI, "include_private": True}}}, "ai"),
    ],
)
def test_private_incidents_stay_out_of_ai_unless_configured(
    bot: RunningBot, fake_ai: FakeAnthropic, source: str
) -> None:
    private = declare(bot, "sev2 Payroll export failing")
    assert private.is_private
    command(bot, private, "postmortem")
    row = published(bot, private.id)
    assert row.source == source
    if source == "template":
        assert "private incident" in row.notice
        assert fake_ai.requests == []
    else:
        assert row.notice == "" and len(fake_ai.requests) == 1
