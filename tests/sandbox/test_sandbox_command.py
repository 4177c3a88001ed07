"""``sitrep sandbox`` and ``scripts/run.sh`` without Slack tokens: the page answers, Sitrep
answers the page, the Scenario plays to the end, and one signal stops everything."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest
import requests

from tests.sandbox.conftest import Sandbox
from tests.support.process import REPO, free_port, run_sitrep
from tests.support.waiting import wait_for

PEOPLE = {"alice", "bob", "carol"}


def refused(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return True
    return False


def test_the_page_answers_with_a_seeded_workspace_and_sigterm_stops_both(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(tmp_path)
    try:
        sandbox.wait_ready()
        page = requests.get(f"{sandbox.url}/", timeout=5)
        assert page.status_code == 200 and "Sitrep sandbox" in page.text
        script = requests.get(f"{sandbox.url}/static/app.js", timeout=5)
        assert script.status_code == 200 and "EventSource" in script.text
        state = sandbox.state()
        people = {u["name"]: u for u in state["users"] if not u["is_bot"]}
        assert set(people) >= PEOPLE
        assert all(people[n]["email"] and people[n]["tz"] for n in PEOPLE)
        assert {"incidents", "general"} <= {c["name"] for c in state["channels"]}
        assert (tmp_path / "state" / "sitrep.db").exists()
        assert (tmp_path / "state" / ".gitignore").read_text() == "*\n"
    finally:
        code = sandbox.stop(signal.SIGTERM)
    assert code == 0, sandbox.output()
    assert refused(f"{sandbox.url}/"), f"the emulator outlived sitrep sandbox:\n{sandbox.output()}"


def test_ctrl_c_on_the_process_group_stops_everything(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path)
    sandbox.wait_ready()
    assert sandbox.stop(signal.SIGINT, group=True) == 0, sandbox.output()
    assert refused(f"{sandbox.url}/"), sandbox.output()


def test_a_slash_command_typed_on_the_page_declares_through_signed_http(
    sandbox: Sandbox,
) -> None:
    incidents = sandbox.channel_named("incidents")
    assert incidents is not None
    answer = sandbox.post(
        "message",
        {
            "user": "U0LOCAL01",
            "channel": incidents["id"],
            "text": "/incident declare sev2 Checkout errors",
        },
    )
    assert answer == {"ok": True, "status": 200}
    card = wait_for(
        lambda: (c := sandbox.channel_named("inc-1-checkout-errors")) and c["pins"], timeout=30
    )
    channel = wait_for(
        lambda: (
            (c := sandbox.channel_named("inc-1-checkout-errors"))
            and "U0LOCAL01" in c["members"]
            and c
        )
    )
    detail = sandbox.state(channel=channel["id"])["channel"]
    pinned = next(m for m in detail["messages"] if m["ts"] == card[0])
    assert pinned["blocks"][0]["text"]["text"] == "INC-1: Checkout errors"


def test_the_scenario_plays_from_declaration_to_the_weekly_digest(sandbox: Sandbox) -> None:
    started = sandbox.post("scenario", {"user": "U0LOCAL02", "speed": 0, "next_update": 2})
    assert started == {"ok": True, "started": True}

    def finished() -> dict | None:
        scenario = sandbox.state()["scenario"]
        return None if scenario.get("running") else scenario

    scenario = wait_for(finished, timeout=150, interval=0.5)
    assert scenario["error"] == "", sandbox.output()
    assert scenario["index"] == scenario["total"]

    channel = next(c for c in sandbox.state()["channels"] if c["name"].startswith("inc-"))
    detail = sandbox.state(channel=channel["id"])["channel"]
    messages = detail["messages"]
    people = [m for m in messages if m.get("client_msg_id")]
    assert len(people) + sum(len(r) for r in detail["replies"].values()) >= 20
    assert {m["user"] for m in people} == {"U0LOCAL01", "U0LOCAL02", "U0LOCAL03"}
    reactions = {r["name"] for m in messages for r in m.get("reactions", [])}
    assert {"pushpin", "bulb"} <= reactions
    kinds = [(m.get("metadata") or {}).get("event_type") for m in messages]
    assert "sitrep_reminder" in kinds
    assert detail["canvas"] and "postmortem" in detail["canvas"]["markdown"].lower()

    # The action item went to the person watching (bob), and so did the digest.
    dm = next(c for c in sandbox.state("U0LOCAL02")["channels"] if c["is_im"])
    digest = sandbox.state("U0LOCAL02", dm["id"])["channel"]["messages"]
    digests = [
        m
        for m in digest
        if (m.get("metadata") or {}).get("event_payload", {}).get("kind") == "digest"
    ]
    assert digests and "Cap payment SDK connections" in str(digests[0]["blocks"])


@pytest.mark.skipif(
    not (REPO / ".venv" / "bin" / "sitrep").exists(),
    reason="scripts/run.sh runs the checkout's .venv, which scripts/test.sh creates",
)
def test_run_script_without_a_token_starts_the_sandbox_and_prints_its_url(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(tmp_path, argv=["bash", str(REPO / "scripts" / "run.sh")])
    try:
        sandbox.wait_ready(timeout=240)  # the first run installs Sitrep into .venv
        wait_for(lambda: f"{sandbox.url}/" in sandbox.log_path.read_text(), timeout=30)
    finally:
        assert sandbox.stop(signal.SIGINT, group=True) == 0, sandbox.output()
    assert "SLACK_BOT_TOKEN is not set" in sandbox.log_path.read_text()


def test_a_taken_port_is_named_with_the_way_out(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = run_sitrep("sandbox", "--port", str(port), "--dir", str(tmp_path), env={})
    assert done.returncode == 1
    assert "the Slack emulator did not start" in done.stderr
    assert "--port" in done.stderr


def test_a_second_sandbox_on_the_same_folder_leaves_the_first_alone(sandbox: Sandbox) -> None:
    folder = str(sandbox.folder / "state")
    done = run_sitrep("sandbox", "--port", str(free_port()), "--dir", folder, env={})
    assert done.returncode == 1
    assert "another sandbox is using" in done.stderr
    assert sandbox.health()["app_ready"] is True
    assert (sandbox.folder / "state" / "sitrep.db").exists()
