"""Capturing an incident channel over signed HTTP: exactly once, in any order.

The main scenario is the issue's definition of done: 50 messages with threads,
edits, deletions, files and reactions, each delivered up to three times (as
Slack's retries do, same event id, X-Slack-Retry-Num set) and shuffled, end in
exactly the expected timeline in ``sitrep export``.
"""

from __future__ import annotations

import json
import random
from typing import Any

from sqlalchemy import func, select

from core.timeline import ts_time
from storage.models import Incident, Milestone, Participant, ProcessedEvent, TimelineEvent
from tests.support import slack_events as ev
from tests.support.declaring import declare_and_wait
from tests.support.harness import RunningBot
from tests.support.process import run_sitrep
from tests.support.waiting import wait_for


def declare(bot: RunningBot, title: str = "Checkout API returning 500s") -> Incident:
    return declare_and_wait(bot, f"sev2 {title}")


def processed(bot: RunningBot) -> int:
    with bot.services.db.session() as session:
        return session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0


def export_json(bot: RunningBot, number: int) -> dict[str, Any]:
    env = {"DATABASE_URL": bot.services.db.url}
    out = run_sitrep("export", "incident", str(number), "--format", "json", env=env)
    out.check_returncode()
    return json.loads(out.stdout)


class Scenario:
    """The conversation as it happened, and what the timeline must say about it."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.clock = ev.Clock()
        self.events: list[dict[str, Any]] = []
        self.expected: dict[str, dict[str, Any]] = {}
        self.first: list[dict[str, Any]] = []  # deliver these before everything else

    def add(self, event: dict[str, Any], **expected: Any) -> dict[str, Any]:
        self.events.append(event)
        if expected:
            base = {
                "user_id": event.get("user"),
                "bot_id": event.get("bot_id"),
                "thread_ts": event.get("thread_ts"),
                "text": event.get("text", ""),
                "edited_at": None,
                "deleted_at": None,
                "deleted_by": None,
                "is_key": False,
                "categories": [],
                "files": [f["name"] for f in event.get("files", [])],
            }
            self.expected[event["ts"]] = {**base, **expected}
        return event

    def edit(self, original: dict[str, Any], text: str, *, early: bool = False) -> None:
        ts = self.clock.next(3)
        event = ev.changed(original, text, ts)
        (self.first if early else self.events).append(event)
        self.expected[original["ts"]].update(text=text, edited_at=ts_time(ts).isoformat())

    def delete(self, original: dict[str, Any], *, early: bool = False) -> None:
        ts = self.clock.next(3)
        event = ev.deleted(original, ts)
        (self.first if early else self.events).append(event)
        self.expected[original["ts"]].update(
            text="", files=[], deleted_at=ts_time(ts).isoformat(), deleted_by=original["user"]
        )

    def react(self, user: str, emoji: str, target: dict[str, Any], *, early: bool = False) -> str:
        ts = self.clock.next(1)
        event = ev.reaction(True, user, emoji, target, ts)
        (self.first if early else self.events).append(event)
        return ts

    def unreact(
        self, user: str, emoji: str, target: dict[str, Any], *, early: bool = False
    ) -> None:
        event = ev.reaction(False, user, emoji, target, self.clock.next(1))
        (self.first if early else self.events).append(event)


def build(channel: str) -> tuple[Scenario, list[dict[str, Any]]]:
    s = Scenario(channel)
    for user in ("UALICE", "UBOB", "UCAROL", "UDAN"):
        s.add(ev.joined(channel, user, s.clock.next(), inviter="UALICE"), kind="join")
    people = ("UBOB", "UCAROL", "UDAN", "UALICE")
    said: list[dict[str, Any]] = []
    for i in range(50):
        ts, user = s.clock.next(), people[i % 4]
        if i == 11:
            said.append(
                s.add(
                    ev.bot_message(channel, "B0DEPLOY", "deploybot", "Rolled back to v41", ts),
                    kind="bot_message",
                    user_id=None,
                )
            )
        elif i in (7, 23):
            parent = said[20]["ts"] if i == 23 else None
            event = ev.file_share(channel, user, f"graph {i}", ts, f"graph-{i}.png", parent)
            said.append(s.add(event, kind="file"))
        elif i % 5 == 4:
            event = ev.message(channel, user, f"reply {i}", ts, thread_ts=said[i - 4]["ts"])
            said.append(s.add(event, kind="reply"))
        else:
            said.append(s.add(ev.message(channel, user, f"message {i}", ts), kind="message"))
    s.add(ev.left(channel, "UDAN", s.clock.next()), kind="leave")

    # Edits: plain, twice (the later edit delivered first), in a thread, and before the original.
    s.edit(said[3], "message 3, corrected")
    s.edit(said[15], "message 15 v2", early=False)
    second = ev.changed(said[15], "message 15 v3", s.clock.next(3))
    s.first.append(second)
    s.expected[said[15]["ts"]].update(
        text="message 15 v3", edited_at=ts_time(second["ts"]).isoformat()
    )
    s.edit(said[14], "reply 14, corrected")
    s.edit(said[30], "message 30, corrected", early=True)
    # Deletions: a reply, a message whose deletion arrives before it, a file share.
    s.delete(said[9])
    s.delete(said[40], early=True)
    s.delete(said[7])
    # Reactions.
    s.react("UBOB", "pushpin", said[2])
    s.expected[said[2]["ts"]]["is_key"] = True
    s.react("UCAROL", "pushpin", said[10])
    s.unreact("UCAROL", "pushpin", said[10])
    s.react("UBOB", "pushpin", said[20])
    s.react("UDAN", "pushpin", said[20])
    s.unreact("UBOB", "pushpin", said[20])  # UDAN still has it on
    s.expected[said[20]["ts"]]["is_key"] = True
    s.react("UCAROL", "bulb", said[5])
    s.expected[said[5]["ts"]]["categories"] = ["insight"]
    s.react("UBOB", "warning", said[12])
    s.react("UCAROL", "mag", said[12])
    s.expected[said[12]["ts"]]["categories"] = ["customer_impact", "finding"]
    s.react("UDAN", "white_check_mark::skin-tone-3", said[25])
    s.expected[said[25]["ts"]]["categories"] = ["mitigation"]
    s.react("UALICE", "mag", said[33])
    s.expected[said[33]["ts"]]["categories"] = ["finding"]
    s.react("UBOB", "thumbsup", said[6])  # means nothing
    s.react("UCAROL", "pushpin", said[45], early=True)  # before its message
    s.expected[said[45]["ts"]]["is_key"] = True
    added, removed = s.clock.next(1), s.clock.next(1)  # the removal overtakes the add
    s.first.append(ev.reaction(False, "UDAN", "bulb", said[35], removed))
    s.events.append(ev.reaction(True, "UDAN", "bulb", said[35], added))
    s.add(ev.member(True, channel, "UCAROL", s.clock.next()))
    return s, said


def deliveries(s: Scenario, rng: random.Random) -> list[tuple[dict[str, Any], str, int]]:
    """Every event once with its id, then up to two retries each, shuffled in windows."""
    plan: list[tuple[dict[str, Any], str, int]] = []
    ordered = s.first + s.events
    for index, event in enumerate(ordered):
        plan.append((event, f"Ev{index:05d}", 0))
    for start in range(len(s.first), len(plan), 6):  # neighbours swap places
        window = plan[start : start + 6]
        rng.shuffle(window)
        plan[start : start + 6] = window
    for index, event in enumerate(ordered):
        for retry in range(1, rng.randint(1, 3)):
            position = rng.randint(min(len(plan), index + 1), len(plan))
            plan.insert(position, (event, f"Ev{index:05d}", retry))
    return plan


def test_fifty_messages_redelivered_and_reordered_give_the_exact_timeline(bot: RunningBot) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    scenario, said = build(channel)
    plan = deliveries(scenario, random.Random(20261122))
    assert len(plan) > len(scenario.first) + len(scenario.events)  # some were retried

    before = processed(bot)  # Slack's own events about the declare (the declarer's join)
    for event, event_id, retry in plan:
        response = bot.sender.event(event, event_id=event_id, retry=retry)
        assert response.status_code == 200, response.text
    distinct = len({event_id for _, event_id, _ in plan})
    wait_for(lambda: processed(bot) == before + distinct, timeout=30)

    document = export_json(bot, incident.number)
    captured = {e["ts"]: e for e in document["timeline"] if e["ts"]}
    assert len(captured) == sum(1 for e in document["timeline"] if e["ts"])  # once each
    assert set(captured) == set(scenario.expected)
    for ts, want in scenario.expected.items():
        got = captured[ts]
        assert got["occurred_at"] == ts_time(ts).isoformat(), ts
        actual = {
            "kind": got["kind"],
            "user_id": got["user_id"],
            "bot_id": got["bot_id"],
            "thread_ts": got["thread_ts"],
            "text": got["text"],
            "edited_at": got["edited_at"],
            "deleted_at": got["deleted_at"],
            "deleted_by": got["deleted_by"],
            "is_key": got["is_key"],
            "categories": got["categories"],
            "files": [f["name"] for f in got["files"]],
        }
        assert actual == {k: want[k] for k in actual}, f"message {ts}: {got}"
    assert captured[said[11]["ts"]]["data"]["username"] == "deploybot"
    assert captured[said[23]["ts"]]["files"][0]["permalink"].endswith("graph-23.png")

    timestamps = [e["ts"] for e in document["timeline"] if e["ts"]]
    assert timestamps == sorted(timestamps, key=ts_time)
    assert [e["kind"] for e in document["timeline"] if not e["ts"]] == ["system"]

    people = {p["user_id"]: p for p in document["participants"]}
    assert set(people) == {"UALICE", "UBOB", "UCAROL", "UDAN"}
    assert people["UBOB"]["joined_at"] == ts_time(scenario.events[1]["ts"]).isoformat()
    assert people["UDAN"]["left_at"] is not None and people["UBOB"]["left_at"] is None

    with bot.services.db.session() as session:
        ack = session.scalars(select(Milestone).where(Milestone.kind == "acknowledged")).one()
        assert ack.set_by != "UALICE"  # the declarer's own messages do not acknowledge


def test_messages_outside_incident_channels_are_ignored(bot: RunningBot) -> None:
    declare(bot)
    before = processed(bot)
    clock = ev.Clock()
    general = bot.emulator.general_id  # type: ignore[attr-defined]
    for i in range(5):
        bot.sender.event(ev.message(general, "UBOB", f"lunch? {i}", clock.next()))
    incident_channel = bot.emulator.channel_by_name("inc-1-checkout-api-returning-500s")
    assert incident_channel is not None
    bot.sender.event(ev.message(incident_channel.id, "UBOB", "on it", clock.next()))
    wait_for(lambda: processed(bot) == before + 1)
    with bot.services.db.session() as session:
        texts = session.scalars(select(TimelineEvent.text).where(TimelineEvent.ts.is_not(None)))
        assert list(texts) == ["on it"]


def test_sitreps_own_posts_are_not_captured_but_integration_bots_are(bot: RunningBot) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    before = processed(bot)
    clock = ev.Clock()
    mine = ev.own_post(channel, "INC-1 card", clock.next())
    bot.sender.event(mine)
    bot.sender.event(ev.changed(mine, "INC-1 card, updated", clock.next()))
    bot.sender.event(ev.bot_message(channel, "B0PAGER", "pagerduty", "Alert fired", clock.next()))
    # Bolt drops the bot's own post and its edit.
    wait_for(lambda: processed(bot) == before + 1)
    with bot.services.db.session() as session:
        rows = session.scalars(select(TimelineEvent).where(TimelineEvent.ts.is_not(None))).all()
        assert [(r.kind, r.bot_id, r.text) for r in rows] == [
            ("bot_message", "B0PAGER", "Alert fired")
        ]


def test_joins_and_member_events_make_the_participant_list(bot: RunningBot) -> None:
    incident = declare(bot)
    channel = incident.channel_id
    assert channel is not None
    # Slack told the bot the declarer joined when the declare invited her.
    invited = [
        d["event"] for d in bot.emulator.deliveries if d["event"].get("user") == "UALICE"
    ]
    assert [(e["type"], e["channel"], e["inviter"]) for e in invited] == [
        ("member_joined_channel", channel, "UBOT")
    ]
    before = processed(bot)
    clock = ev.Clock()
    bob_joined = clock.next()
    bot.sender.event(ev.member(True, channel, "UBOB", bob_joined))
    bot.sender.event(ev.member(True, channel, "UBOT", clock.next()))  # Sitrep itself: skipped
    carol_spoke = clock.next()
    bot.sender.event(ev.message(channel, "UCAROL", "looking", carol_spoke))
    bot.sender.event(ev.member(False, channel, "UBOB", clock.next()))
    wait_for(lambda: processed(bot) == before + 3)
    with bot.services.db.session() as session:
        rows = session.scalars(select(Participant).order_by(Participant.joined_at)).all()
        assert [(p.user_id, p.joined_at) for p in rows] == [
            ("UBOB", ts_time(bob_joined)),
            ("UCAROL", ts_time(carol_spoke)),
            ("UALICE", ts_time(invited[0]["event_ts"])),
        ]
        assert rows[0].left_at is not None and rows[1].left_at is None
