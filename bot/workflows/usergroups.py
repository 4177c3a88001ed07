"""Turning owners such as ``@payments-leads`` into the people to invite.

Catalog owners and rule invitees may be user group handles. Slack looks a
group up by id, not handle, so the handles are matched against
``usergroups.list`` first; a handle Slack does not know is reported, and the
user ids given directly are invited whatever happens to the groups.
"""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.workflows.slack_errors import explain


def resolve_people(client: WebClient, owners: Iterable[str]) -> tuple[list[str], list[str]]:
    """User ids for these owners, in order and once each, and what could not be resolved."""
    wanted = list(owners)
    people = [o for o in wanted if not o.startswith("@")]
    handles = [o[1:].lower() for o in wanted if o.startswith("@")]
    problems: list[str] = []
    if handles:
        try:
            groups = client.usergroups_list()["usergroups"]
        except SlackApiError as exc:
            problems.append(f"looking up user groups: {explain(exc)}")
            groups = []
        by_handle = {str(g.get("handle", "")).lower(): g["id"] for g in groups}
        for handle in handles:
            group_id = by_handle.get(handle)
            if group_id is None:
                if groups:
                    problems.append(f"@{handle} is not a user group in this workspace")
                continue
            try:
                people.extend(client.usergroups_users_list(usergroup=group_id)["users"])
            except SlackApiError as exc:
                problems.append(f"listing the members of @{handle}: {explain(exc)}")
    return list(dict.fromkeys(people)), problems
