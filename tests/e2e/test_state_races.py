"""State changes sent at the same moment: each takes effect once, and the others hear why not."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.workflows import hooks
from storage.models import RoleAssignment, TimelineEvent
from storage.types import utcnow
from tests.e2e.lifecycle_helpers import actions, declare, reload, run
from tests.support.harness import RunningBot
from tests.support.waiting import wait_for

AT_ONCE = 5


def at_once(bot: RunningBot, channel: str, commands: list[tuple[str, str]]) -> list[str]:
    """Send the commands together, released by one barrier; returns their response URLs."""
    urls = [bot.emulator.response_url() for _ in commands]
    barrier = threading.Barrier(len(commands))
    failures: list[BaseException] = []

    def send(text: str, user: str, url: str) -> None:
        try:
            barrier.wait(timeout=10)
            response = bot.command(text, user=user, channel=channel, response_url=url)
            assert response.status_code == 200
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [
        threading.Thread(target=send, args=(text, user, url))
        for (text, user), url in zip(commands, urls, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    return urls


def replies_to(bot: RunningBot, urls: list[str]) -> list[str]:
    return [r.get("text", "") for r in bot.emulator.responses if r.get("url") in urls]


def losers_of(bot: RunningBot, urls: list[str]) -> list[str]:
    """The replies of every command but the one that won, once they have all come."""
    try:
        return wait_for(
            lambda: len(replies_to(bot, urls)) == len(urls) - 1 and replies_to(bot, urls)
        )
    except AssertionError:
        raise AssertionError(f"replies: {replies_to(bot, urls)}") from None


@pytest.fixture
def resolve_hook_calls() -> Iterator[list[int]]:
    calls: list[int] = []

    def count(_services, _client, incident_id, _actor):  # type: ignore[no-untyped-def]
        calls.append(incident_id)

    hooks.on(hooks.ON_RESOLVED)(count)
    try:
        yield calls
    finally:
        hooks.HOOKS[hooks.ON_RESOLVED].remove(count)


def open_holders(bot: RunningBot, incident_id: int, role: str) -> list[str]:
    with bot.services.db.session() as session:
        return list(
            session.scalars(
                select(RoleAssignment.user_id).where(
                    RoleAssignment.incident_id == incident_id,
                    RoleAssignment.role == role,
                    RoleAssignment.ended_at.is_(None),
                )
            )
        )


def test_simultaneous_resolves_resolve_once_and_fire_the_hooks_once(
    bot: RunningBot, resolve_hook_calls: list[int]
) -> None:
    incident = declare(bot)
    run(bot, incident, "role deputy <@UBOB>")
    wait_for(lambda: open_holders(bot, incident.id, "deputy") == ["UBOB"])
    commands = [(f"resolve Fixed, says {n}", "UALICE" if n % 2 else "UBOB") for n in range(AT_ONCE)]
    urls = at_once(bot, incident.channel_id, commands)

    # Every loser hears back; the winner's hooks run after its change is announced.
    losers = losers_of(bot, urls)
    wait_for(lambda: resolve_hook_calls)
    assert reload(bot, incident.id).status == "resolved"
    assert actions(bot, incident.id).count("resolved") == 1
    with bot.services.db.session() as session:
        event = session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "system"
            )
        ).all()
        winner = next(e.user_id for e in event if e.data.get("action") == "resolved")
    for text in losers:
        assert f"INC-1 was already resolved by <@{winner}>" in text, text
    assert resolve_hook_calls == [incident.id]


def test_simultaneous_severity_changes_store_one_change(bot: RunningBot) -> None:
    incident = declare(bot, "sev3 Search is slow")
    urls = at_once(bot, incident.channel_id, [("sev 1 Spreading", "UALICE")] * AT_ONCE)
    losers = losers_of(bot, urls)
    assert all("INC-1 is already SEV1" in text for text in losers), losers
    assert reload(bot, incident.id).severity == "SEV1"
    assert actions(bot, incident.id).count("severity_changed") == 1


def test_simultaneous_handovers_leave_one_open_commander(bot: RunningBot) -> None:
    incident = declare(bot)
    urls = at_once(bot, incident.channel_id, [("role ic <@UCAROL>", "UALICE")] * AT_ONCE)
    losers = losers_of(bot, urls)
    assert all("<@UCAROL> is already the Incident Commander" in text for text in losers), losers
    assert open_holders(bot, incident.id, "incident_commander") == ["UCAROL"]
    assert actions(bot, incident.id).count("role_assigned") == 1
    with bot.services.db.session() as session:
        rows = session.scalars(
            select(RoleAssignment)
            .where(
                RoleAssignment.incident_id == incident.id,
                RoleAssignment.role == "incident_commander",
            )
            .order_by(RoleAssignment.id)
        ).all()
        assert [(r.user_id, r.ended_at is None) for r in rows] == [
            ("UALICE", False),
            ("UCAROL", True),
        ]


def test_the_database_refuses_a_second_open_holder_of_a_role(bot: RunningBot) -> None:
    incident = declare(bot)
    with pytest.raises(IntegrityError), bot.services.db.session() as session:
        session.add(
            RoleAssignment(
                incident_id=incident.id,
                role="incident_commander",
                user_id="UBOB",
                assigned_by="UBOB",
                assigned_at=utcnow(),
            )
        )
        session.flush()
    # A closed holding beside the open one is history, and allowed.
    with bot.services.db.session() as session:
        session.add(
            RoleAssignment(
                incident_id=incident.id,
                role="incident_commander",
                user_id="UBOB",
                assigned_by="UBOB",
                assigned_at=utcnow(),
                ended_at=utcnow(),
            )
        )
    assert open_holders(bot, incident.id, "incident_commander") == ["UALICE"]
