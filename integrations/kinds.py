"""The one small interface each kind of outside service implements.

Callers depend on these protocols, never on a vendor client, so that swapping
Jira for Linear (or a fake for either) changes no caller. Every method may raise
``IntegrationError``; callers record the failure and degrade the feature rather
than lose the data that prompted the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, runtime_checkable


class IntegrationError(Exception):
    """An outside service refused or failed a call.

    ``retryable`` tells the caller whether trying again later can succeed (a 5xx,
    a timeout, a 429) or not (a bad token, a missing project), so an outage is
    retried with backoff while a misconfiguration is reported at once.
    """

    def __init__(self, service: str, message: str, *, retryable: bool) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.retryable = retryable


@dataclass(frozen=True)
class OnCallPerson:
    name: str
    email: str
    level: int  # escalation level, 1 is paged first


@dataclass(frozen=True)
class PageRequest:
    dedup_key: str  # the incident reference, so a redelivered trigger pages once
    summary: str
    severity: str
    source: str
    links: tuple[tuple[str, str], ...] = ()  # (text, url)


@runtime_checkable
class Pager(Protocol):
    """An on-call system: who is on call, and paging them."""

    name: str

    def on_call(self, escalation_policy_id: str) -> list[OnCallPerson]: ...

    def trigger(self, routing_key: str, page: PageRequest) -> None: ...

    def resolve(self, routing_key: str, dedup_key: str) -> None: ...


@dataclass(frozen=True)
class TicketDraft:
    title: str
    body: str
    owner_email: str | None = None
    due: date | None = None
    priority: str | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ticket:
    key: str  # "OPS-12", "ENG-3", "acme/ops#7"
    url: str
    done: bool
    updated_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Tracker(Protocol):
    """An issue tracker that action items are exported to and synced with."""

    name: str

    def create(self, project: str, draft: TicketDraft) -> Ticket: ...

    def get(self, key: str) -> Ticket: ...

    def comment(self, key: str, text: str) -> None: ...

    def close(self, key: str) -> Ticket: ...


@dataclass(frozen=True)
class PublicUpdate:
    name: str
    status: str  # investigating | identified | monitoring | resolved
    message: str
    components: dict[str, str]  # component id -> operational | degraded_performance | ...


@runtime_checkable
class StatusPage(Protocol):
    """A public status page: customers see what is said here."""

    name: str

    def open(self, update: PublicUpdate) -> str: ...  # returns the public incident id

    def update(self, incident_id: str, update: PublicUpdate) -> None: ...
