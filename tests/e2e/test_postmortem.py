"""``/incident postmortem`` end to end: a scripted incident, then its draft in the channel."""

from __future__ import annotations

import json

import pytest

from core.export import incident_document
from tests.e2e.lifecycle_helpers import declare
from tests.e2e.postmortem_helpers import (
    SECRETS,
    blocks_text,
    canvas_markdown,
    command,
    expected_durations,
    published,
    run_incident,
    section,
    summary_message,
    versions,
)
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for


def test_scripted_incident_gets_a_template_draft_canvas_with_every_fact(bot: RunningBot) -> None:
    script = run_incident(bot)
    incident = script.incident
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    assert (row.version, row.status, row.source, row.notice) == (1, "draft", "template", "")
    assert row.canvas_id and row.file_id is None

    markdown = canvas_markdown(bot, incident)
    assert markdown == row.content
    key = section(markdown, "### Key events", "### What happened")
    positions = [key.index(text) for text in script.key_texts]
    assert positions == sorted(positions)
    assert "**Sitrep**: Declared as SEV2" in key and "**Alice Adams**: key 3:" in key
    durations = expected_durations(bot, incident.id)
    for name, label in (
        ("time_to_detect", "Time to detect"),
        ("time_to_acknowledge", "Time to acknowledge"),
        ("time_to_mitigate", "Time to mitigate"),
        ("time_to_resolve", "Time to resolve"),
    ):
        assert f"**{label}:** {durations[name]}" in markdown
    assert durations["time_to_detect"] != "—" and durations["time_to_resolve"] != "—"
    assert f"**Duration (impact start to resolve):** {durations['impact_duration']}" in markdown
    roles = section(markdown, "### Roles", "### Participants")
    assert "**Incident Commander:** Alice Adams" in roles
    assert "**Ops Lead:** Bob Brown" in roles
    assert "**Communications Lead:** Carol Chen" in roles
    items = section(markdown, "## Action items", "## Participants and roles")
    assert f"{script.action_item} · owner: Bob Brown" in items
    assert script.proposed in section(items, "### Suggested", "Use the")
    insights = section(markdown, "## Product and customer insights", "## Action items")
    assert all(text in insights for text in script.insight_texts)
    assert "1. _Why did the incident happen?_" in markdown
    for secret in SECRETS:
        assert secret not in markdown

    summary = summary_message(bot, incident, row)
    text = blocks_text(summary)
    assert "INC-1 postmortem draft, version 1" in text
    assert f"Time to resolve*\\n{durations['time_to_resolve']}" in text
    buttons = [
        b["accessory"] for b in summary["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    assert [b["action_id"] for b in buttons] == ["action_item_create"]
    assert json.loads(buttons[0]["value"]) == {"incident_id": incident.id, "text": script.proposed}

    with bot.services.db.session() as session:
        exported = incident_document(session, incident.number, incident.team_id)
    assert [p["version"] for p in exported["postmortems"]] == [1]
    assert exported["postmortems"][0]["content"] == row.content


def test_regenerating_makes_a_new_version_in_the_same_canvas_and_done_marks_it_final(
    bot: RunningBot,
) -> None:
    script = run_incident(bot)
    incident = script.incident
    command(bot, incident, "postmortem")
    first = published(bot, incident.id)
    command(bot, incident, "postmortem")
    second = published(bot, incident.id, count=2)
    assert second.canvas_id == first.canvas_id
    assert "**Version 2**" in canvas_markdown(bot, incident)
    assert "Postmortem version 1 drafted by @Alice Adams" in second.content
    edits = bot.emulator.calls_to("canvases.edit")
    changes = edits[0]["changes"]
    changes = json.loads(changes) if isinstance(changes, str) else changes
    assert len(edits) == 1 and changes[0]["operation"] == "replace"

    command(bot, incident, "postmortem done")
    final = wait_for(
        lambda: [r for r in versions(bot, incident.id) if r.status == "final"], timeout=30
    )
    assert [r.version for r in final] == [2]
    # The announcement comes after the canvas banner, so both are there once it is.
    wait_for(
        lambda: [
            m
            for m in bot.emulator.messages(incident.channel_id or "")
            if "marked version 2" in blocks_text(m)
        ],
        timeout=30,
    )
    assert canvas_markdown(bot, incident).startswith("> **Final.** Version 2")
    before = len(bot.emulator.responses)
    command(bot, incident, "postmortem done")
    reply_containing(bot, before, "already final")
    assert [r.status for r in versions(bot, incident.id)] == ["draft", "final"]


@pytest.mark.parametrize(
    "error", ["canvas_disabled_user_team", "team_tier_cannot_create_channel_canvases"]
)
def test_without_canvases_the_document_is_an_uploaded_markdown_file(
    bot: RunningBot, error: str
) -> None:
    script = run_incident(bot)
    incident = script.incident
    bot.emulator.fail_next("conversations.canvases.create", error=error)
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    assert row.canvas_id is None and row.file_id
    uploaded = [f for f in bot.emulator.files if f["id"] == row.file_id]
    assert uploaded[0]["name"] == "INC-1-postmortem-v1.md"
    assert uploaded[0]["content"].decode() == row.content
    assert incident.channel_id in uploaded[0]["channels"]
    assert error in blocks_text(summary_message(bot, incident, row))


def test_a_long_timeline_is_attached_as_its_own_file(bot: RunningBot) -> None:
    script = run_incident(bot)
    incident = script.incident
    # A tiny inline limit stands in for a very long incident.
    bot.services.settings = _with_inline_limit(bot, 3)
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    log = next(f for f in bot.emulator.files if f["name"] == "INC-1-timeline.md")
    assert "key 3: pricing" in log["content"].decode()
    assert "message 0:" not in row.content
    assert f"/{log['id']}/INC-1-timeline.md" in row.content


def _with_inline_limit(bot: RunningBot, limit: int):  # noqa: ANN202
    from dataclasses import replace

    settings = bot.services.settings
    postmortem = replace(settings.config.postmortem, inline_log_limit=limit)
    return replace(settings, config=replace(settings.config, postmortem=postmortem))


def reply_containing(bot: RunningBot, before: int, fragment: str) -> dict:
    found = wait_for(
        lambda: [r for r in bot.emulator.responses[before:] if fragment in r.get("text", "")],
        timeout=30,
    )
    return found[0]


def test_check_finds_blame_in_pasted_text_and_in_the_latest_version(bot: RunningBot) -> None:
    incident = declare(bot)
    before = len(bot.emulator.responses)
    command(bot, incident, "postmortem check Bob broke prod; we should have had a canary")
    reply = reply_containing(bot, before, "may read as blame")
    assert "“Bob broke prod”" in reply["text"] and "“should have”" in reply["text"]
    assert "→" in reply["text"]

    before = len(bot.emulator.responses)
    command(bot, incident, "postmortem check")
    reply_containing(bot, before, "no postmortem yet")

    command(bot, incident, "postmortem")
    published(bot, incident.id)
    before = len(bot.emulator.responses)
    command(bot, incident, "postmortem check")
    reply_containing(bot, before, "No blame or counterfactual phrasing found in version 1")


def test_outside_an_incident_channel_and_unknown_words_get_clear_answers(bot: RunningBot) -> None:
    incident = declare(bot)
    before = len(bot.emulator.responses)
    bot.command("postmortem", user="UALICE", channel=bot.emulator.general_id)
    reply_containing(bot, before, "works inside an incident channel")
    before = len(bot.emulator.responses)
    command(bot, incident, "postmortem publish")
    reply_containing(bot, before, "`publish` is not a postmortem command")
    assert versions(bot, incident.id) == []


def test_a_channel_canvas_someone_else_made_is_left_alone(bot: RunningBot) -> None:
    script = run_incident(bot)
    incident = script.incident
    theirs = "# Our own notes\n"
    from slack_sdk import WebClient

    other = WebClient(base_url=bot.emulator.api_url, token=bot.emulator.bot_token)
    other.conversations_canvases_create(
        channel_id=incident.channel_id, document_content={"type": "markdown", "markdown": theirs}
    )
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    assert row.canvas_id is None and row.file_id
    assert canvas_markdown(bot, incident) == theirs
    assert "channel_canvas_already_exists" in blocks_text(summary_message(bot, incident, row))


def test_when_slack_takes_neither_canvas_nor_file_the_version_is_kept(bot: RunningBot) -> None:
    script = run_incident(bot)
    incident = script.incident
    bot.emulator.fail_next("conversations.canvases.create", error="canvas_disabled_user_team")
    bot.emulator.fail_next("files.getUploadURLExternal", error="restricted_action")
    command(bot, incident, "postmortem")
    row = published(bot, incident.id)
    assert row.canvas_id is None and row.file_id is None
    assert "## Timeline" in row.content
    text = blocks_text(summary_message(bot, incident, row))
    assert "Slack did not accept the document" in text and "restricted_action" in text
    assert f"sitrep export incident {incident.number}" in text
