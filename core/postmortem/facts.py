"""Everything a postmortem states, read once from the database.

The document, the Slack summary and the AI request are all built from this
one snapshot, so they never disagree with each other. Every text in it that a
person typed (or a Slack profile holds) is already ``inert`` Markdown: the
templates place it without being able to make it a link, an image or HTML.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.postmortem import metrics
from core.postmortem.text import inert, one_line, slack_to_markdown
from storage.models import (
    ActionItem,
    Incident,
    Milestone,
    Participant,
    RoleAssignment,
    SlackUser,
    StatusUpdate,
    TimelineEvent,
)

KEY_KINDS = frozenset({"system", "update", "note"})
SPOKEN_KINDS = frozenset({"message", "reply", "file", "note"})
INSIGHT = "insight"
ACTION_ITEM = "action_item"
KEY_TEXT_LIMIT = 600

RoleLabel = Callable[[str], str]


def default_role_label(key: str) -> str:
    return key.replace("_", " ").title()


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    author_id: str | None
    author: str  # a display name, "Sitrep" for the bot's own events
    kind: str
    text: str  # Markdown on one line
    raw_text: str  # as stored, for redaction and AI
    is_key: bool
    categories: tuple[str, ...]
    action: str | None  # a system event's machine-readable action
    ts: str | None
    in_thread: bool


@dataclass(frozen=True)
class RoleSpan:
    role: str
    label: str
    user_id: str
    name: str
    assigned_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    first_seen: datetime | None
    messages: int
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    id: int
    text: str
    owner_id: str | None
    owner: str
    due_date: date | None
    status: str
    priority: str


@dataclass(frozen=True)
class Update:
    at: datetime
    author: str
    status: str
    happening: str
    impact: str
    actions: str


@dataclass
class Facts:
    incident_id: int
    reference: str
    title: str
    description: str
    severity: str
    status: str
    is_private: bool
    channel_id: str | None
    channel_name: str | None
    declared_by: str
    declared_at: datetime
    summary: str
    services: list[str]
    root_cause_category: str
    tags: list[str]
    users_affected: int | None
    customer_tier: str
    revenue_impact: float | None
    support_tickets: int | None
    milestones: dict[str, datetime]
    measures: dict[str, metrics.Measure]
    events: list[Event]  # the full log, oldest first
    key_events: list[Event]
    insights: list[Event]
    suggested_items: list[Event]  # :dart:-marked messages not yet made into action items
    roles: list[RoleSpan]  # every holding, in order
    current_roles: dict[str, str]  # role label -> name
    participants: list[Person]
    action_items: list[Item]
    updates: list[Update]
    people: dict[str, str] = field(default_factory=dict)

    @property
    def ic_id(self) -> str | None:
        held = [r for r in self.roles if r.role == "incident_commander" and r.ended_at is None]
        return held[-1].user_id if held else None

    @property
    def is_resolved(self) -> bool:
        return "resolved" in self.milestones


def gather(
    session: Session, incident: Incident, role_label: RoleLabel = default_role_label
) -> Facts:
    milestones = {
        m.kind: m.at
        for m in session.scalars(select(Milestone).where(Milestone.incident_id == incident.id))
    }
    role_rows = list(
        session.scalars(
            select(RoleAssignment)
            .where(RoleAssignment.incident_id == incident.id)
            .order_by(RoleAssignment.assigned_at, RoleAssignment.id)
        )
    )
    # Columns rather than ORM objects: a long incident has tens of thousands of rows.
    event_rows = session.execute(
        select(
            TimelineEvent.id,
            TimelineEvent.occurred_at,
            TimelineEvent.user_id,
            TimelineEvent.bot_id,
            TimelineEvent.kind,
            TimelineEvent.text,
            TimelineEvent.is_key,
            TimelineEvent.categories,
            TimelineEvent.data,
            TimelineEvent.ts,
            TimelineEvent.thread_ts,
        )
        .where(TimelineEvent.incident_id == incident.id, TimelineEvent.deleted_at.is_(None))
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
    ).all()
    joined = list(
        session.scalars(
            select(Participant)
            .where(Participant.incident_id == incident.id)
            .order_by(Participant.joined_at)
        )
    )
    items = list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.incident_id == incident.id)
            .order_by(ActionItem.created_at, ActionItem.id)
        )
    )
    update_rows = list(
        session.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.incident_id == incident.id)
            .order_by(StatusUpdate.posted_at, StatusUpdate.id)
        )
    )

    user_ids = {incident.declared_by, *(r.user_id for r in role_rows)}
    user_ids |= {row.user_id for row in event_rows if row.user_id}
    user_ids |= {p.user_id for p in joined} | {i.owner_id for i in items if i.owner_id}
    user_ids |= {u.author_id for u in update_rows}
    people = _names(session, user_ids)

    def name(user_id: str | None) -> str:
        return people.get(user_id or "", user_id or "Sitrep")

    def md(text: str | None) -> str:
        return inert(slack_to_markdown(text or "", people))

    events = [_event(row, people, name) for row in event_rows]
    key_events = [e for e in events if e.is_key or e.kind in KEY_KINDS]
    made = {i.source_ts for i in items if i.source_ts}
    roles = [
        RoleSpan(r.role, role_label(r.role), r.user_id, name(r.user_id), r.assigned_at, r.ended_at)
        for r in role_rows
    ]
    return Facts(
        incident_id=incident.id,
        reference=incident.reference,
        title=md(incident.title),
        description=md(incident.description),
        severity=incident.severity,
        status=incident.status,
        is_private=incident.is_private,
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        declared_by=incident.declared_by,
        declared_at=incident.declared_at,
        summary=md(incident.summary),
        services=[inert(s) for s in incident.services or []],
        root_cause_category=inert(incident.root_cause_category or ""),
        tags=list(incident.tags or []),
        users_affected=incident.users_affected,
        customer_tier=inert(incident.customer_tier or ""),
        revenue_impact=incident.revenue_impact,
        support_tickets=incident.support_tickets,
        milestones=milestones,
        measures=metrics.compute(milestones),
        events=events,
        key_events=key_events,
        insights=[e for e in events if INSIGHT in e.categories],
        suggested_items=[
            e for e in events if ACTION_ITEM in e.categories and (e.ts is None or e.ts not in made)
        ],
        roles=roles,
        current_roles={r.label: r.name for r in roles if r.ended_at is None},
        participants=_participants(events, joined, roles, name),
        action_items=[
            Item(
                i.id,
                md(i.text),
                i.owner_id,
                name(i.owner_id) if i.owner_id else "",
                i.due_date,
                i.status,
                i.priority,
            )
            for i in items
        ],
        updates=[
            Update(
                u.posted_at,
                name(u.author_id),
                u.status,
                md(u.happening),
                md(u.impact),
                md(u.actions),
            )
            for u in update_rows
        ],
        people=people,
    )


def _names(session: Session, user_ids: set[str]) -> dict[str, str]:
    wanted = sorted(u for u in user_ids if u)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for user in session.scalars(select(SlackUser).where(SlackUser.user_id.in_(chunk))):
            found[user.user_id] = inert(user.real_name or user.name or user.user_id)
    return {u: found.get(u, u) for u in wanted}


def _event(row: object, people: Mapping[str, str], name: Callable[[str | None], str]) -> Event:
    data = row.data or {}  # type: ignore[attr-defined]
    text = row.text or ""  # type: ignore[attr-defined]
    return Event(
        id=row.id,  # type: ignore[attr-defined]
        at=row.occurred_at,  # type: ignore[attr-defined]
        author_id=row.user_id,  # type: ignore[attr-defined]
        author=name(row.user_id),  # type: ignore[attr-defined]
        kind=row.kind,  # type: ignore[attr-defined]
        text=one_line(inert(slack_to_markdown(text, people))),
        raw_text=text,
        is_key=bool(row.is_key),  # type: ignore[attr-defined]
        categories=tuple(row.categories or ()),  # type: ignore[attr-defined]
        action=data.get("action") if isinstance(data, dict) else None,
        ts=row.ts,  # type: ignore[attr-defined]
        in_thread=bool(row.thread_ts and row.thread_ts != row.ts),  # type: ignore[attr-defined]
    )


def _participants(
    events: list[Event],
    joined: list[Participant],
    roles: list[RoleSpan],
    name: Callable[[str | None], str],
) -> list[Person]:
    """Everyone who joined, spoke or held a role, in the order they first appeared."""
    first: dict[str, datetime] = {}
    spoken: Counter[str] = Counter()
    for person in joined:
        first.setdefault(person.user_id, person.joined_at)
    for span in roles:
        first[span.user_id] = min(first.get(span.user_id, span.assigned_at), span.assigned_at)
    for event in events:
        if event.author_id and event.kind in SPOKEN_KINDS | {"bot_message"}:
            if event.kind in SPOKEN_KINDS:
                spoken[event.author_id] += 1
            if event.author_id not in first or event.at < first[event.author_id]:
                first[event.author_id] = event.at
    held: dict[str, list[str]] = {}
    for span in roles:
        labels = held.setdefault(span.user_id, [])
        if span.label not in labels:
            labels.append(span.label)
    order = sorted(first, key=lambda u: (first[u], u))
    return [Person(u, name(u), first[u], spoken[u], tuple(held.get(u, []))) for u in order]


def key_text(event: Event) -> str:
    return one_line(event.text, KEY_TEXT_LIMIT)
