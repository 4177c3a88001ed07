"""chat.*, threads, history/replies pagination, pins and reactions."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.helpers import slack_error

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def test_post_message_returns_an_increasing_ts_and_the_message(
    emu: SlackEmulator, client: WebClient
) -> None:
    channel = emu.add_channel("inc-post", members=["U1"])
    first = client.chat_postMessage(channel=channel, text="one", blocks=[SECTION])
    second = client.chat_postMessage(channel=channel, text="two")
    assert float(first["ts"]) < float(second["ts"]) and len(first["ts"].split(".")[1]) == 6
    assert first["message"]["bot_id"] == "B0000BOT" and first["message"]["blocks"] == [SECTION]
    stored = emu.messages(channel)
    assert [m["text"] for m in stored] == ["one", "two"] and stored[0]["user"] == "UBOT"


def test_post_message_by_channel_name(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-named")
    assert client.chat_postMessage(channel="#inc-named", text="hi")["channel"] == channel


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_errors(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-errors")
    assert slack_error(client.chat_postMessage, channel=channel) == "no_text"
    assert slack_error(client.chat_postMessage, channel="CNOPE", text="x") == "channel_not_found"
    assert (
        slack_error(client.api_call, "chat.postMessage", json={"text": "x"}) == "channel_not_found"
    )
    too_many = [{"type": "divider"}] * 51
    assert (
        slack_error(client.chat_postMessage, channel=channel, text="x", blocks=too_many)
        == "invalid_blocks"
    )
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert (
        slack_error(client.chat_postMessage, channel=channel, text="x", blocks=long_section)
        == "invalid_blocks"
    )
    untyped = [{"text": "no type"}]
    assert (
        slack_error(client.chat_postMessage, channel=channel, text="x", blocks=untyped)
        == "invalid_blocks"
    )
    assert (
        slack_error(
            client.api_call,
            "chat.postMessage",
            params={"channel": channel, "text": "x", "blocks": "{nope"},
        )
        == "invalid_blocks_format"
    )
    assert client.chat_postMessage(channel=channel, text="x", blocks=[{"type": "divider"}] * 50)[
        "ok"
    ]
    assert (
        slack_error(client.chat_postMessage, channel=channel, text="x", markdown_text="**x**")
        == "markdown_text_conflict"
    )


def test_threads(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-thread", members=["U1"])
    parent = client.chat_postMessage(channel=channel, text="Incident declared")["ts"]
    client.chat_postMessage(channel=channel, text="update 1", thread_ts=parent)
    emu.post_as_user(channel, "U1", "on it", thread_ts=parent)
    broadcast = client.chat_postMessage(
        channel=channel, text="resolved", thread_ts=parent, reply_broadcast=True
    )
    top = emu.messages(channel)
    assert [m["text"] for m in top] == ["Incident declared", "resolved"]
    assert top[0]["reply_count"] == 3 and top[0]["reply_users"] == ["UBOT", "U1"]
    assert top[0]["latest_reply"] == broadcast["ts"] and top[1]["subtype"] == "thread_broadcast"
    assert [m["text"] for m in emu.replies(channel, parent)] == ["update 1", "on it", "resolved"]
    orphan = client.chat_postMessage(channel=channel, text="lost", thread_ts="1.000001")
    assert "thread_ts" not in orphan["message"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_update_and_delete(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-edit", members=["U1"])
    ts = client.chat_postMessage(channel=channel, text="draft", blocks=[SECTION])["ts"]
    updated = client.chat_update(channel=channel, ts=ts, text="final")
    assert updated["message"]["text"] == "final" and updated["message"]["blocks"] == [SECTION]
    assert emu.messages(channel)[0]["edited"]["user"] == "UBOT"
    human = emu.post_as_user(channel, "U1", "mine")
    assert (
        slack_error(client.chat_update, channel=channel, ts=human, text="x")
        == "cant_update_message"
    )
    assert slack_error(client.chat_delete, channel=channel, ts=human) == "cant_delete_message"
    assert (
        slack_error(client.chat_update, channel=channel, ts="1.000001", text="x")
        == "message_not_found"
    )
    assert slack_error(client.chat_update, channel=channel, ts=ts) == "no_text"
    client.chat_delete(channel=channel, ts=ts)
    assert [m["text"] for m in emu.messages(channel)] == ["mine"]
    assert slack_error(client.chat_delete, channel=channel, ts=ts) == "message_not_found"


def test_deleting_a_thread_parent_leaves_a_tombstone(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-tomb")
    parent = client.chat_postMessage(channel=channel, text="parent")["ts"]
    reply = client.chat_postMessage(channel=channel, text="reply", thread_ts=parent)["ts"]
    client.chat_delete(channel=channel, ts=parent)
    assert emu.messages(channel)[0]["subtype"] == "tombstone"
    client.chat_delete(channel=channel, ts=reply)
    assert emu.replies(channel, parent) == []


def test_permalink(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-link")
    ts = client.chat_postMessage(channel=channel, text="x")["ts"]
    link = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    assert link == f"https://emulator.slack/archives/{channel}/p{ts.replace('.', '')}"
    reply = client.chat_postMessage(channel=channel, text="r", thread_ts=ts)["ts"]
    assert client.chat_getPermalink(channel=channel, message_ts=reply)["permalink"].endswith(
        f"?thread_ts={ts}&cid={channel}"
    )
    assert (
        slack_error(client.chat_getPermalink, channel=channel, message_ts="1.000001")
        == "message_not_found"
    )


def test_ephemeral(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-eph", members=["U1"])
    assert client.chat_postEphemeral(channel=channel, user="U1", text="only you")["message_ts"]
    assert emu.ephemerals[0] | {"ts": None} == {
        "channel": channel,
        "user": "U1",
        "text": "only you",
        "blocks": [],
        "attachments": [],
        "thread_ts": None,
        "ts": None,
    }
    assert emu.messages(channel) == []
    assert (
        slack_error(client.chat_postEphemeral, channel=channel, user="U2", text="x")
        == "user_not_in_channel"
    )


def test_history_pagination_newest_first(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-history")
    stamps = [client.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(7)]
    texts: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_history(channel=channel, limit=3, cursor=cursor)
        pages += 1
        texts += [m["text"] for m in page["messages"]]
        assert page["has_more"] == bool(page["response_metadata"]["next_cursor"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and texts == [f"m{i}" for i in reversed(range(7))]
    window = client.conversations_history(channel=channel, oldest=stamps[1], latest=stamps[4])[
        "messages"
    ]
    assert [m["text"] for m in window] == ["m3", "m2"]
    inclusive = client.conversations_history(
        channel=channel, oldest=stamps[1], latest=stamps[4], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m4", "m3", "m2", "m1"]
    assert (
        slack_error(client.conversations_history, channel=channel, latest="soon")
        == "invalid_ts_latest"
    )
    assert (
        slack_error(client.conversations_history, channel=channel, cursor="xyz") == "invalid_cursor"
    )


def test_replies_pagination_parent_first(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-replies")
    parent = client.chat_postMessage(channel=channel, text="parent")["ts"]
    for i in range(5):
        client.chat_postMessage(channel=channel, text=f"r{i}", thread_ts=parent)
    first = client.conversations_replies(channel=channel, ts=parent, limit=2)
    assert [m["text"] for m in first["messages"]] == ["parent", "r0", "r1"] and first["has_more"]
    second = client.conversations_replies(
        channel=channel, ts=parent, limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in second["messages"]] == ["parent", "r2", "r3"]
    single = client.chat_postMessage(channel=channel, text="alone")["ts"]
    assert [
        m["text"] for m in client.conversations_replies(channel=channel, ts=single)["messages"]
    ] == ["alone"]
    assert (
        slack_error(client.conversations_replies, channel=channel, ts="1.000001")
        == "thread_not_found"
    )


def test_pins(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-pins")
    ts = client.chat_postMessage(channel=channel, text="summary")["ts"]
    client.pins_add(channel=channel, timestamp=ts)
    assert emu.channel(channel).pins == [ts]  # type: ignore[union-attr]
    assert slack_error(client.pins_add, channel=channel, timestamp=ts) == "already_pinned"
    assert (
        slack_error(client.pins_add, channel=channel, timestamp="1.000001") == "message_not_found"
    )
    assert slack_error(client.pins_add, channel=channel) == "no_item_specified"
    items = client.pins_list(channel=channel)["items"]
    assert items[0]["message"]["text"] == "summary" and items[0]["created_by"] == "UBOT"
    assert emu.messages(channel)[0]["pinned_to"] == [channel]
    client.pins_remove(channel=channel, timestamp=ts)
    assert slack_error(client.pins_remove, channel=channel, timestamp=ts) == "not_pinned"
    assert client.pins_list(channel=channel)["items"] == []


def test_reactions(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-react")
    ts = client.chat_postMessage(channel=channel, text="ack?")["ts"]
    client.reactions_add(channel=channel, timestamp=ts, name="eyes")
    assert (
        slack_error(client.reactions_add, channel=channel, timestamp=ts, name="eyes")
        == "already_reacted"
    )
    got = client.reactions_get(channel=channel, timestamp=ts)["message"]["reactions"]
    assert got == [{"name": "eyes", "users": ["UBOT"], "count": 1}]
    client.reactions_remove(channel=channel, timestamp=ts, name="eyes")
    assert (
        slack_error(client.reactions_remove, channel=channel, timestamp=ts, name="eyes")
        == "no_reaction"
    )
