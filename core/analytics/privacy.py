"""Counting private incidents without naming them to people outside them.

Stats and the monthly report reach people who may not see every incident: a
channel, or anyone who asks. A private incident still counts in every total,
so the numbers stay true, but nothing shown may single it out: not its
reference or title, and not a service, root cause or customer tier that only
private incidents carry. A name that public incidents also carry reveals
nothing new, so those private incidents count under it; every other name of
theirs is folded into one ``private`` bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Incident

PRIVATE = "private"


class HasId(Protocol):
    id: int


T = TypeVar("T", bound=HasId)


def public_names(
    incidents: Iterable[T], hidden: frozenset[int], names_of: Callable[[T], Iterable[str]]
) -> set[str]:
    """Names that incidents the viewer may see carry, and so may be shown."""
    return {name for i in incidents if i.id not in hidden for name in names_of(i)}


def shown_names(
    incident: T, hidden: frozenset[int], public: set[str], names_of: Callable[[T], Iterable[str]]
) -> list[str]:
    """One incident's names as the viewer may see them."""
    names = list(names_of(incident))
    if incident.id not in hidden:
        return names
    shown = [name for name in names if name in public]
    # One ``private`` per incident, however many of its names were folded.
    return shown + ([PRIVATE] if len(shown) < len(names) else [])


def masked_names(
    incidents: Iterable[T], hidden: frozenset[int], names_of: Callable[[T], Iterable[str]]
) -> Iterator[str]:
    """Every incident's names, with those only hidden incidents carry shown as ``private``."""
    rows = list(incidents)
    public = public_names(rows, hidden, names_of)
    for incident in rows:
        yield from shown_names(incident, hidden, public, names_of)


def private_incidents(
    session: Session, team_id: str, start: datetime, end: datetime
) -> list[Incident]:
    """Private incidents declared in [start, end), whose visibility a viewer needs judged."""
    return list(
        session.scalars(
            select(Incident).where(
                Incident.team_id == team_id,
                Incident.is_private.is_(True),
                Incident.declared_at >= start,
                Incident.declared_at < end,
            )
        )
    )


def hidden_from(
    incidents: Iterable[Incident], may_see: Callable[[Incident], bool]
) -> frozenset[int]:
    return frozenset(i.id for i in incidents if not may_see(i))
