"""usergroups.list and usergroups.users.list, as Slack answers them."""

from __future__ import annotations

from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.helpers import slack_error


def test_groups_and_their_members(emu: SlackEmulator, client: WebClient) -> None:
    leads = emu.add_usergroup("payments-leads", ["U1", "U2"], name="Payments leads")
    old = emu.add_usergroup("old-team", ["U1"], disabled=True)
    groups = client.usergroups_list()["usergroups"]
    assert [(g["id"], g["handle"], g["is_usergroup"]) for g in groups] == [
        (leads, "payments-leads", True)
    ]
    assert "users" not in groups[0]
    with_users = client.usergroups_list(include_users=True, include_disabled=True)["usergroups"]
    assert [(g["handle"], g["users"]) for g in with_users] == [
        ("payments-leads", ["U1", "U2"]),
        ("old-team", ["U1"]),
    ]
    assert client.usergroups_users_list(usergroup=leads)["users"] == ["U1", "U2"]
    assert slack_error(client.usergroups_users_list, usergroup=old) == "no_such_subteam"
    assert slack_error(client.usergroups_users_list, usergroup="SNOPE") == "no_such_subteam"
    assert slack_error(client.api_call, "usergroups.users.list") == "no_such_subteam"
