"""Writing captured Slack events into the timeline, after Slack has had its ack.

Bolt acknowledges an event before any listener runs (non-FaaS mode calls
``ack()`` first and runs the listener on its thread pool), so the listeners
only hand events to one writer thread per process and database. The writer
batches them into transactions and keeps retrying while the database is
locked or unreachable: an event that Slack got a 200 for is never dropped
because of the database, and a locked SQLite file never holds up Bolt's
workers, which slash commands need.

This module is what listeners hold: one capture per database, which checks
the channel and queues the event. Applying events is in ``capture_events``,
the writer thread in ``capture_writer``.
"""

from __future__ import annotations

import atexit
import gc
import threading
import time
import weakref
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient

from bot import metrics
from bot.services import Services
from bot.workflows import capture_events, capture_writer, hooks
from bot.workflows.db_writes import is_transient
from bot.workflows.incident_channels import IncidentChannels
from bot.workflows.slack_messages import Identity
from storage.db import Database


@dataclass(eq=False)  # one per database, compared by identity
class Capture:
    """The front listeners hold: answers "is this ours?" from memory, then queues."""

    channels: IncidentChannels[capture_events.Job]
    writer: capture_writer.Writer

    def submit(
        self,
        kind: str,
        event: dict[str, Any],
        channel_id: str | None,
        *,
        body: dict[str, Any] | None = None,
        identity: Identity | None = None,
        client: WebClient | None = None,
    ) -> bool:
        """Queue an event of an incident channel, or hold it while that is not known yet.

        False only for an event with no channel. An event in a channel not known
        as an incident's is held and checked against the database again (see
        ``incident_channels``): it may be a brand-new incident's.
        """
        if not channel_id:
            return False
        body = body or {}
        job = capture_events.Job(
            kind=kind,
            event=event,
            channel_id=channel_id,
            incident_id=None,
            event_id=body.get("event_id"),
            event_time=body.get("event_time"),
            identity=identity or Identity(),
            client=client,
        )
        try:
            incident_id = self.channels.incident_id(channel_id)
        except Exception as exc:  # cannot tell now; the writer looks again
            if not is_transient(exc):
                raise
            self.writer.submit(job)
            return True
        if incident_id is None:
            # Counted as pending, so a flush also waits for the held to be decided.
            self.writer.expect()
            self.channels.hold(channel_id, job)
        else:
            self.writer.submit(replace(job, incident_id=incident_id))
        return True

    def _deliver(self, job: capture_events.Job, incident_id: int | None) -> None:
        self.writer.submit(replace(job, incident_id=incident_id), expected=True)

    def _let_go(self, _job: capture_events.Job) -> None:
        self.writer.unexpect()

    def drain(self, timeout: float) -> bool:
        """Settle held events, then write (or keep as dead letters) everything queued."""
        deadline = time.monotonic() + timeout
        self.channels.settle(max(0.0, deadline - time.monotonic()) / 2)
        return self.writer.drain(max(0.0, deadline - time.monotonic()))


_captures: weakref.WeakKeyDictionary[Database, Capture] = weakref.WeakKeyDictionary()
_captures_lock = threading.Lock()


def for_services(services: Services) -> Capture:
    with _captures_lock:
        found = _captures.get(services.db)
        if found is None:
            found = Capture(IncidentChannels(services.db), capture_writer.Writer(services))
            found.channels.bind(found._deliver, found._let_go)
            metrics.watch_capture(found, services.db)
            _captures[services.db] = found
        return found


@atexit.register
def _flush_all() -> None:
    """On a clean exit, write what is still queued before the process goes."""
    for capture in list(_captures.values()):
        capture.writer.flush(10.0)


def freeze_long_lived_objects(_services: Services, _client: WebClient) -> None:
    """Start-up task: keep the garbage collector off everything loaded at start.

    Capture allocates briskly, and each full collection would otherwise walk
    every module, template and Bolt object too, stopping all threads for ~100 ms:
    the slowest acks under load were exactly those pauses.
    """
    gc.collect()
    gc.freeze()


@hooks.on(hooks.ON_CHANNEL)
@hooks.on(hooks.ON_DECLARED)
def _incident_channel_opened(
    services: Services, _client: WebClient, _incident_id: int, _actor: str | None
) -> None:
    """A channel that was not an incident channel a moment ago may be one now.

    Forgotten as soon as the channel id is stored, before anyone is invited:
    the member_joined_channel events Slack sends for the invitations must
    not meet a remembered miss.
    """
    for_services(services).channels.forget()
