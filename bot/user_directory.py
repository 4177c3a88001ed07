"""Who is called what in the workspace: names to user ids, from ``users.list``.

A plain ``@name`` typed into a command cannot be resolved by Slack for us, so
it is looked up in the whole member list. Paging through that list on every
command cost one Web API call per 200 people, each time; the directory keeps
the list in memory and refreshes it every ``refresh_every``. A name it does
not know may belong to someone who joined since, so a miss refreshes too, but
not more often than ``miss_refresh_every``: a typo must not cost a full read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

PAGE_SIZE = 200


@dataclass(frozen=True)
class Member:
    user_id: str
    deleted: bool


def spellings(member: dict[str, Any]) -> set[str]:
    """The ways people write a member's name: handle, display and real name, with and
    without spaces, in lower case."""
    profile = member.get("profile") or {}
    names = {member.get("name"), profile.get("display_name"), member.get("real_name")}
    found = set()
    for name in names:
        if name:
            lowered = str(name).lower()
            found.update({lowered, lowered.replace(" ", "")})
    return found


class UserDirectory:
    def __init__(
        self,
        refresh_every: float = 15 * 60,
        miss_refresh_every: float = 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh_every = refresh_every
        self.miss_refresh_every = miss_refresh_every
        self.clock = clock
        self._by_name: dict[str, list[Member]] = {}
        self._loaded_at: float | None = None
        self._refreshing = threading.Lock()
        self.reads = 0  # full reads of users.list, for tests and metrics

    def find(self, client: WebClient, name: str, *, include_deleted: bool = False) -> str | None:
        """The id of the member called ``name`` (without ``@``), or None."""
        wanted = name.strip().lstrip("@").lower()
        if self._stale(self.refresh_every):
            self._refresh(client, self.refresh_every)
        found = self._match(wanted, include_deleted)
        if found is None and self._stale(self.miss_refresh_every):
            self._refresh(client, self.miss_refresh_every)
            found = self._match(wanted, include_deleted)
        return found

    def _match(self, wanted: str, include_deleted: bool) -> str | None:
        """An active member of that name first; a deactivated one only when asked for."""
        members = self._by_name.get(wanted, [])
        for member in sorted(members, key=lambda m: m.deleted):
            if include_deleted or not member.deleted:
                return member.user_id
        return None

    def _stale(self, after: float) -> bool:
        loaded = self._loaded_at
        return loaded is None or self.clock() - loaded >= after

    def _refresh(self, client: WebClient, after: float) -> None:
        """Read the member list; one reader at a time, and the others use what it read."""
        with self._refreshing:
            if not self._stale(after):
                return  # another thread refreshed while this one waited
            by_name: dict[str, list[Member]] = {}
            for member in _members(client):
                entry = Member(str(member["id"]), bool(member.get("deleted")))
                for spelling in spellings(member):
                    by_name.setdefault(spelling, []).append(entry)
            self._by_name, self._loaded_at = by_name, self.clock()
            self.reads += 1


def _members(client: WebClient) -> Iterable[dict[str, Any]]:
    cursor = None
    while True:
        page = client.users_list(limit=PAGE_SIZE, cursor=cursor)
        yield from page["members"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return
