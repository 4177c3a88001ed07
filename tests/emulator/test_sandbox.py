"""The emulator as a sandbox: what a person does on the page reaches the app as Slack sends it
(signed), and what the app answers shows up for that person."""

from __future__ import annotations

import json

import requests

from tests.emulator.sandbox_app import Received, World
from tests.support.waiting import wait_for


def test_a_message_is_stored_as_slack_escapes_it_and_reaches_the_app_signed(world: World) -> None:
    answer = world.post(
        "message", {"user": "U1", "channel": world.general, "text": "hi @bob & <b>"}
    )
    assert answer["ok"]
    stored = world.emu.messages(world.general)[-1]
    assert stored["text"] == "hi <@U2|bob> &amp; &lt;b&gt;"
    assert stored["user"] == "U1" and stored["ts"] == answer["ts"]
    [event] = wait_for(lambda: world.app.events("message"))
    assert event["text"] == stored["text"] and event["channel"] == world.general
    assert event["channel_type"] == "channel"
    assert all(r.signed for r in world.app.received)


def test_posting_in_a_channel_joins_it_first_as_slack_offers(world: World) -> None:
    world.post("message", {"user": "U1", "channel": world.ops, "text": "joining in"})
    channel = world.emu.channel(world.ops)
    assert channel is not None and "U1" in channel.members
    assert [m.get("subtype") for m in channel.messages] == ["channel_join", None]
    wait_for(lambda: len(world.app.of("event")) == 3)
    kinds = [(r.body["event"]["type"], r.body["event"].get("subtype")) for r in world.app.received]
    assert kinds == [
        ("message", "channel_join"),
        ("member_joined_channel", None),
        ("message", None),
    ]


def test_a_thread_reply_lands_in_the_thread(world: World) -> None:
    parent = world.post("message", {"user": "U1", "channel": world.general, "text": "parent"})
    world.post(
        "message",
        {"user": "U2", "channel": world.general, "text": "reply", "thread_ts": parent["ts"]},
    )
    [reply] = world.emu.replies(world.general, parent["ts"])
    assert reply["text"] == "reply"
    events = wait_for(lambda: len(world.app.events("message")) == 2 and world.app.events("message"))
    assert events[1]["thread_ts"] == parent["ts"]


def test_a_reaction_toggles_and_the_app_hears_both(world: World) -> None:
    ts = world.post("message", {"user": "U2", "channel": world.general, "text": "key"})["ts"]
    react = {"user": "U1", "channel": world.general, "ts": ts, "name": "pushpin"}
    world.post("react", react)
    assert world.emu.messages(world.general)[-1]["reactions"] == [
        {"name": "pushpin", "users": ["U1"], "count": 1}
    ]
    world.post("react", react)
    assert "reactions" not in world.emu.messages(world.general)[-1]
    added = wait_for(lambda: world.app.events("reaction_added"))
    removed = wait_for(lambda: world.app.events("reaction_removed"))
    assert added[0]["item"] == {"type": "message", "channel": world.general, "ts": ts}
    assert added[0]["item_user"] == "U2" and removed[0]["reaction"] == "pushpin"


def test_a_slash_command_is_escaped_and_its_ack_is_an_ephemeral_for_that_person(
    world: World,
) -> None:
    world.app.answer = lambda r: (200, {"text": "Only you see this"})
    text = "/incident role comms @bob"
    assert world.post("message", {"user": "U1", "channel": world.general, "text": text})["ok"]
    [command] = world.app.of("command")
    assert command.signed
    assert command.body["command"] == "/incident"
    assert command.body["text"] == "role comms <@U2|bob>"
    assert command.body["user_id"] == "U1" and command.body["channel_id"] == world.general
    assert world.emu.messages(world.general) == []  # Slack never shows the command itself
    mine = world.state("U1", world.general)["channel"]["ephemerals"]
    assert [e["text"] for e in mine] == ["Only you see this"]
    assert world.state("U2", world.general)["channel"]["ephemerals"] == []


def test_a_reply_through_the_response_url_is_an_ephemeral_too(world: World) -> None:
    def answer(request: Received) -> tuple[int, None]:
        url = request.body["response_url"]
        requests.post(url, json={"text": "Working on it"}, timeout=5)
        return 200, None

    world.app.answer = answer
    world.post("message", {"user": "U1", "channel": world.general, "text": "/incident list"})
    mine = world.state("U1", world.general)["channel"]["ephemerals"]
    assert [e["text"] for e in mine] == ["Working on it"]


def test_a_failing_app_and_an_unknown_command_are_explained_like_slack(world: World) -> None:
    world.app.answer = lambda r: (500, None)
    world.post("message", {"user": "U1", "channel": world.general, "text": "/incident help"})
    world.post("message", {"user": "U1", "channel": world.general, "text": "/deploy now"})
    notes = [e["text"] for e in world.state("U1", world.general)["channel"]["ephemerals"]]
    assert 'failed with the error "http_error (500)"' in notes[0]
    assert "`/deploy` is not a valid command" in notes[1]
    assert len(world.app.of("command")) == 1


MODAL = {
    "type": "modal",
    "callback_id": "status_update",
    "title": {"type": "plain_text", "text": "Update"},
    "submit": {"type": "plain_text", "text": "Post"},
    "blocks": [
        {
            "type": "input",
            "block_id": "happening",
            "label": {"type": "plain_text", "text": "What is happening"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


def open_modal(world: World) -> str:
    """The app opens a modal from the slash command's trigger, as Sitrep's update does."""

    def answer(request: Received) -> tuple[int, None]:
        if request.kind == "command":
            world.client.views_open(trigger_id=request.body["trigger_id"], view=MODAL)
        return 200, None

    world.app.answer = answer
    world.post("message", {"user": "U1", "channel": world.general, "text": "/incident update"})
    modal = world.state("U1")["modal"]
    assert modal is not None and modal["callback_id"] == "status_update"
    assert world.state("U2")["modal"] is None
    return str(modal["id"])


def test_a_modal_submission_shows_the_apps_errors_then_closes_on_a_plain_ack(
    world: World,
) -> None:
    view_id = open_modal(world)
    values = {"happening": {"value": {"type": "plain_text_input", "value": "x"}}}
    world.app.answer = lambda r: (
        200,
        {"response_action": "errors", "errors": {"happening": "Say a bit more"}},
    )
    answer = world.post("submit", {"user": "U1", "view_id": view_id, "values": values})
    assert answer == {"ok": True, "errors": {"happening": "Say a bit more"}}
    assert world.state("U1")["modal"]["id"] == view_id
    submitted = world.app.of("interactive")[-1]
    assert submitted.body["type"] == "view_submission"
    assert submitted.body["view"]["state"]["values"] == values

    world.app.answer = lambda r: (200, None)
    assert world.post("submit", {"user": "U1", "view_id": view_id, "values": values})["ok"]
    assert world.state("U1")["modal"] is None


def test_cancel_closes_the_modal_without_telling_the_app(world: World) -> None:
    view_id = open_modal(world)
    before = len(world.app.received)
    assert world.post("close", {"user": "U1", "view_id": view_id})["ok"]
    assert world.state("U1")["modal"] is None
    assert len(world.app.received) == before


def test_a_click_carries_the_element_and_its_response_url_can_replace_the_message(
    world: World,
) -> None:
    button = {
        "type": "button",
        "action_id": "ack",
        "text": {"type": "plain_text", "text": "Acknowledge"},
        "value": "7",
    }
    blocks = [{"type": "actions", "block_id": "b", "elements": [button]}]
    ts = world.client.chat_postMessage(channel=world.general, text="page", blocks=blocks)["ts"]

    def answer(request: Received) -> tuple[int, None]:
        requests.post(
            request.body["response_url"],
            json={"replace_original": True, "text": "Acknowledged by alice"},
            timeout=5,
        )
        return 200, None

    world.app.answer = answer
    container = {"type": "message", "channel_id": world.general, "message_ts": ts}
    spec = {"user": "U1", "element": button, "block_id": "b", "container": container}
    assert world.post("action", spec) == {"ok": True, "status": 200}
    [click] = world.app.of("interactive")
    assert click.body["type"] == "block_actions"
    assert click.body["actions"][0]["value"] == "7" and click.body["user"]["id"] == "U1"
    assert world.emu.messages(world.general)[-1]["text"] == "Acknowledged by alice"


def test_a_select_choice_is_sent_as_slack_shapes_it(world: World) -> None:
    select = {"type": "users_select", "action_id": "owner"}
    blocks = [{"type": "actions", "block_id": "b", "elements": [select]}]
    ts = world.client.chat_postMessage(channel=world.general, text="who", blocks=blocks)["ts"]
    container = {"type": "message", "channel_id": world.general, "message_ts": ts}
    spec = {
        "user": "U1",
        "element": select,
        "block_id": "b",
        "container": container,
        "choice": {"selected_user": "U2"},
    }
    world.post("action", spec)
    action = world.app.of("interactive")[0].body["actions"][0]
    assert action["type"] == "users_select" and action["selected_user"] == "U2"


def test_a_message_shortcut_opens_with_the_message(world: World) -> None:
    ts = world.post("message", {"user": "U2", "channel": world.general, "text": "it broke"})["ts"]
    spec = {"user": "U1", "channel": world.general, "ts": ts, "callback_id": "declare_from_message"}
    world.post("shortcut", spec)
    shortcut = world.app.of("interactive")[0].body
    assert shortcut["type"] == "message_action"
    assert shortcut["callback_id"] == "declare_from_message"
    assert shortcut["message"]["text"] == "it broke"
    assert world.state("U1")["shortcuts"] == {"declare_from_message": "Declare incident"}


def test_an_invite_by_the_app_is_announced_and_the_app_hears_of_it(world: World) -> None:
    world.client.conversations_invite(channel=world.ops, users="U1")
    joined = world.emu.messages(world.ops)[-1]
    assert joined["subtype"] == "channel_join" and joined["inviter"] == world.emu.bot_user_id
    [event] = wait_for(lambda: world.app.events("member_joined_channel"))
    assert event["user"] == "U1" and event["channel"] == world.ops


def test_opening_the_app_home_opens_the_dm_and_sends_the_event(world: World) -> None:
    answer = world.post("home", {"user": "U1", "tab": "home"})
    [event] = wait_for(lambda: world.app.events("app_home_opened"))
    assert event["user"] == "U1" and event["tab"] == "home"
    assert event["channel"] == answer["channel"]
    world.client.views_publish(
        user_id="U1",
        view={"type": "home", "blocks": [{"type": "divider"}]},
    )
    assert world.state("U1")["home"]["blocks"] == [{"type": "divider"}]
    assert world.state("U2")["home"] is None


def test_an_uploaded_file_can_be_downloaded(world: World) -> None:
    world.client.files_upload_v2(
        channel=world.general, content="the whole log", filename="timeline.md", title="Timeline"
    )
    [shared] = [m for m in world.emu.messages(world.general) if m.get("files")]
    file_id = shared["files"][0]["id"]
    got = requests.get(f"{world.emu.base_url}/sandbox/api/files/{file_id}", timeout=5)
    assert got.status_code == 200 and got.text == "the whole log"
    assert got.headers["Content-Disposition"] == 'attachment; filename="timeline.md"'


def test_the_stream_announces_each_change(world: World) -> None:
    with requests.get(f"{world.emu.base_url}/sandbox/api/stream", stream=True, timeout=10) as r:
        lines = r.iter_lines(decode_unicode=True)
        first = json.loads(next(line for line in lines if line.startswith("data:"))[5:])
        world.post("message", {"user": "U1", "channel": world.general, "text": "news"})
        after = json.loads(next(line for line in lines if line.startswith("data:"))[5:])
    assert after["version"] > first["version"]
    assert after["app_ready"] is True


def test_the_page_is_served(world: World) -> None:
    page = requests.get(f"{world.emu.base_url}/", timeout=5)
    assert page.status_code == 200 and '<script type="module" src="/static/app.js">' in page.text
    for name in ("app.js", "blocks.js", "mrkdwn.js", "messages.js", "surfaces.js", "api.js"):
        asset = requests.get(f"{world.emu.base_url}/static/{name}", timeout=5)
        assert asset.status_code == 200, name
