"""views.*: trigger validity, view validation, update/push/publish."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.helpers import slack_error


def modal(title: str = "Declare incident", blocks: int = 1, **extra: Any) -> dict[str, Any]:
    body = [{"type": "section", "text": {"type": "mrkdwn", "text": f"b{i}"}} for i in range(blocks)]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": body,
        **extra,
    }


def test_open_with_a_fresh_trigger(emu: SlackEmulator, client: WebClient) -> None:
    trigger = emu.new_trigger_id(user="U1")
    view = client.views_open(trigger_id=trigger, view=modal(callback_id="declare"))["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "declare" and view["hash"]
    assert emu.views == [
        {"id": view["id"], "view": view, "trigger_id": trigger, "user": "U1", "action": "open"}
    ]
    assert emu.open_views("U1") == [view["id"]]


def test_trigger_rules(emu: SlackEmulator, client: WebClient) -> None:
    assert (
        slack_error(client.views_open, trigger_id="123.456.abc", view=modal())
        == "invalid_trigger_id"
    )
    expired = emu.new_trigger_id(ttl=0)
    assert slack_error(client.views_open, trigger_id=expired, view=modal()) == "expired_trigger_id"
    used = emu.new_trigger_id()
    client.views_open(trigger_id=used, view=modal())
    assert slack_error(client.views_open, trigger_id=used, view=modal()) == "exchanged_trigger_id"
    assert slack_error(client.views_open, view=modal()) == "invalid_arguments"


def test_view_validation(emu: SlackEmulator, client: WebClient) -> None:
    def code(view: dict[str, Any]) -> str:
        return slack_error(client.views_open, trigger_id=emu.new_trigger_id(), view=view)

    assert code(modal(title="x" * 25)) == "invalid_arguments"
    assert code(modal(blocks=101)) == "invalid_arguments"
    assert (
        code({"type": "modal", "title": {"type": "plain_text", "text": "t"}}) == "invalid_arguments"
    )
    assert code(modal(type="home")) == "invalid_arguments"
    inputs = modal()
    inputs["blocks"] = [
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "title"},
        }
    ]
    assert code(inputs) == "invalid_arguments"
    assert code(modal(private_metadata="x" * 300_000)) == "view_too_large"
    assert client.views_open(
        trigger_id=emu.new_trigger_id(), view=modal(title="x" * 24, blocks=100)
    )["ok"]


def test_update_push_publish(emu: SlackEmulator, client: WebClient) -> None:
    opened = client.views_open(
        trigger_id=emu.new_trigger_id(user="U1"), view=modal(external_id="ext-1")
    )["view"]
    by_id = client.views_update(
        view_id=opened["id"], view=modal(title="Step 2", external_id="ext-1"), hash=opened["hash"]
    )["view"]
    assert by_id["id"] == opened["id"] and by_id["title"]["text"] == "Step 2"
    assert (
        slack_error(client.views_update, view_id=opened["id"], view=modal(), hash=opened["hash"])
        == "hash_conflict"
    )
    assert slack_error(client.views_update, view_id="VNOPE", view=modal()) == "not_found"
    client.views_update(external_id="ext-1", view=modal(title="Step 3", external_id="ext-1"))
    assert emu.view(opened["id"])["title"]["text"] == "Step 3"  # type: ignore[index]
    assert [v["action"] for v in emu.views] == ["open", "update", "update"]
    assert emu.views[1]["user"] == "U1"
    pushed = client.views_push(
        trigger_id=emu.new_trigger_id(user="U1"), view=modal(title="Details")
    )["view"]
    assert pushed["root_view_id"] == opened["id"] and emu.open_views("U1") == [
        opened["id"],
        pushed["id"],
    ]
    client.views_push(trigger_id=emu.new_trigger_id(user="U1"), view=modal())
    assert (
        slack_error(client.views_push, trigger_id=emu.new_trigger_id(user="U1"), view=modal())
        == "push_limit_reached"
    )
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Open: 2"}}],
    }
    client.views_publish(user_id="U1", view=home)
    assert emu.home_views["U1"]["blocks"] == home["blocks"]
    assert slack_error(client.views_publish, user_id="U1", view=modal()) == "invalid_arguments"
