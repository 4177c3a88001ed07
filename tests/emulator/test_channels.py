"""conversations.*: naming, membership, visibility, settings and listing."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.helpers import slack_error


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Incident", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc#1", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("_-_", "invalid_name_punctuation"),
    ],
)
def test_create_rejects_bad_names(client: WebClient, name: str, code: str) -> None:
    assert slack_error(client.conversations_create, name=name) == code


def test_create_makes_the_bot_a_member_and_names_are_unique(
    emu: SlackEmulator, client: WebClient
) -> None:
    created = client.conversations_create(name="inc-42_db" + "x" * 71, is_private=True)["channel"]
    channel = emu.channel(created["id"])
    assert channel is not None and channel.is_private and channel.members == {"UBOT"}
    assert channel.creator == "UBOT" and created["is_member"]
    assert slack_error(client.conversations_create, name=channel.name) == "name_taken"


def test_archived_channel_names_stay_taken(emu: SlackEmulator, client: WebClient) -> None:
    channel = client.conversations_create(name="inc-old")["channel"]["id"]
    client.conversations_archive(channel=channel)
    assert slack_error(client.conversations_create, name="inc-old") == "name_taken"
    assert slack_error(client.chat_postMessage, channel=channel, text="x") == "is_archived"
    assert slack_error(client.conversations_archive, channel=channel) == "already_archived"
    client.conversations_unarchive(channel=channel)
    assert client.chat_postMessage(channel=channel, text="back")["ok"]


def test_invite(emu: SlackEmulator, client: WebClient) -> None:
    channel = client.conversations_create(name="inc-invite")["channel"]["id"]
    client.conversations_invite(channel=channel, users="U1,U2")
    assert emu.channel(channel).members == {"UBOT", "U1", "U2"}  # type: ignore[union-attr]
    assert (
        slack_error(client.conversations_invite, channel=channel, users="U1")
        == "already_in_channel"
    )
    assert (
        slack_error(client.conversations_invite, channel=channel, users="UNOPE") == "user_not_found"
    )
    assert slack_error(client.conversations_invite, channel=channel, users="U9") == "user_not_found"
    assert (
        slack_error(client.conversations_invite, channel=channel, users="UBOT")
        == "cant_invite_self"
    )
    assert slack_error(client.conversations_invite, channel=channel, users="") == "no_user"
    assert (
        slack_error(client.conversations_invite, channel="CNOPE", users="U1") == "channel_not_found"
    )


def test_invite_is_all_or_nothing(emu: SlackEmulator, client: WebClient) -> None:
    channel = client.conversations_create(name="inc-atomic")["channel"]["id"]
    assert (
        slack_error(client.conversations_invite, channel=channel, users=["U1", "UNOPE"])
        == "user_not_found"
    )
    assert emu.channel(channel).members == {"UBOT"}  # type: ignore[union-attr]


def test_private_channels_are_invisible_to_non_members(
    emu: SlackEmulator, client: WebClient
) -> None:
    secret = emu.add_channel("secret", is_private=True, members=["U1"], bot_member=False)
    for call in (
        client.conversations_info,
        client.conversations_history,
        client.conversations_join,
    ):
        assert slack_error(call, channel=secret) == "channel_not_found"
    assert slack_error(client.chat_postMessage, channel=secret, text="x") == "channel_not_found"
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert secret not in {c["id"] for c in listed}


def test_public_channel_membership_rules(emu: SlackEmulator, client: WebClient) -> None:
    public = emu.add_channel("lobby", members=["U1"], bot_member=False)
    assert client.chat_postMessage(channel=public, text="chat:write.public")["ok"]
    assert slack_error(client.conversations_history, channel=public) == "not_in_channel"
    assert slack_error(client.conversations_setTopic, channel=public, topic="t") == "not_in_channel"
    assert slack_error(client.conversations_invite, channel=public, users="U2") == "not_in_channel"
    client.conversations_join(channel=public)
    again = client.conversations_join(channel=public)
    assert again["warning"] == "already_in_channel"
    client.conversations_kick(channel=public, user="U1")
    assert slack_error(client.conversations_kick, channel=public, user="U1") == "not_in_channel"
    assert slack_error(client.conversations_kick, channel=public, user="UBOT") == "cant_kick_self"
    assert slack_error(client.conversations_kick, channel=public, user="UNOPE") == "user_not_found"
    client.conversations_leave(channel=public)
    assert client.conversations_leave(channel=public)["not_in_channel"] is True


def test_topic_and_purpose(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-topic")
    client.conversations_setTopic(channel=channel, topic="SEV1 | IC @alice")
    client.conversations_setPurpose(channel=channel, purpose="Database outage")
    info = client.conversations_info(channel=channel)["channel"]
    assert (
        info["topic"]["value"] == "SEV1 | IC @alice"
        and info["purpose"]["value"] == "Database outage"
    )
    assert (
        slack_error(client.conversations_setTopic, channel=channel, topic="x" * 251) == "too_long"
    )
    client.conversations_setTopic(channel=channel, topic="x" * 250)
    client.conversations_setTopic(channel=channel, topic="")
    assert emu.channel(channel).topic == ""  # type: ignore[union-attr]


def test_rename(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-a")
    emu.add_channel("inc-b")
    assert slack_error(client.conversations_rename, channel=channel, name="inc-b") == "name_taken"
    assert (
        slack_error(client.conversations_rename, channel=channel, name="Inc")
        == "invalid_name_specials"
    )
    assert client.conversations_rename(channel=channel, name="inc-c")["channel"]["name"] == "inc-c"
    assert emu.channel_by_name("inc-c").id == channel  # type: ignore[union-attr]


def test_list_and_members_paginate(emu: SlackEmulator, client: WebClient) -> None:
    ids = [emu.add_channel(f"chan-{i}", members=["U1", "U2"]) for i in range(5)]
    emu.add_channel("private-one", is_private=True)
    seen: list[str] = []
    cursor = ""
    while True:
        page = client.conversations_list(limit=2, cursor=cursor)
        assert len(page["channels"]) <= 2
        seen += [c["id"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    both = client.conversations_list(types="private_channel")["channels"]
    assert [c["name"] for c in both] == ["private-one"]
    assert slack_error(client.conversations_list, types="galaxies") == "invalid_types"
    assert slack_error(client.conversations_list, cursor="bogus") == "invalid_cursor"
    first = client.conversations_members(channel=ids[0], limit=2)
    rest = client.conversations_members(
        channel=ids[0], cursor=first["response_metadata"]["next_cursor"]
    )
    assert first["members"] + rest["members"] == ["U1", "U2", "UBOT"]


def test_open_im_and_dms(emu: SlackEmulator, client: WebClient) -> None:
    opened = client.conversations_open(users="U1")
    im = opened["channel"]["id"]
    assert im.startswith("D")
    assert client.conversations_open(users="U1")["already_open"] is True
    client.chat_postMessage(channel=im, text="you are IC")
    client.chat_postMessage(channel="U1", text="posting to a user id lands in the DM")
    assert [m["text"] for m in emu.dms("U1")] == [
        "you are IC",
        "posting to a user id lands in the DM",
    ]
    assert slack_error(client.conversations_open, users="UNOPE") == "user_not_found"
    assert slack_error(client.api_call, "conversations.open") == "users_list_not_supplied"


def test_users(emu: SlackEmulator, client: WebClient) -> None:
    alice = client.users_info(user="U1")["user"]
    assert (alice["tz"], alice["tz_offset"], alice["profile"]["email"]) == (
        "America/New_York",
        -18000,
        "alice@example.com",
    )
    assert alice["profile"]["real_name"] == "Alice A"
    assert slack_error(client.users_info, user="UNOPE") == "user_not_found"
    assert client.users_lookupByEmail(email="BOB@example.com")["user"]["id"] == "U2"
    assert slack_error(client.users_lookupByEmail, email="nobody@example.com") == "users_not_found"
    first = client.users_list(limit=2)
    rest = client.users_list(cursor=first["response_metadata"]["next_cursor"])
    assert [u["id"] for u in first["members"] + rest["members"]] == ["U1", "U2", "U9", "UBOT"]
    assert client.team_info()["team"]["id"] == "T0000001"
