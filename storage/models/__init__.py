"""Every model, imported here so that metadata and Alembic see all tables."""

from storage.models.action_items import DONE, DROPPED, OPEN, ActionItem, DigestDelivery
from storage.models.base import Base
from storage.models.capture import Participant, ProcessedEvent, Reaction
from storage.models.incidents import (
    SETUP_CREATING,
    SETUP_INCOMPLETE,
    SETUP_READY,
    Incident,
    IncidentNumber,
    RoleAssignment,
)
from storage.models.lifecycle import MILESTONES, Milestone, SentReminder, StatusUpdate
from storage.models.operations import DeadLetter
from storage.models.postmortems import Postmortem
from storage.models.requests import SeenRequest
from storage.models.scheduling import Lease
from storage.models.timeline import TimelineEvent
from storage.models.users import SlackUser
from storage.search import SEARCH_TABLES

# Tables that libraries own; migrations create them, models do not describe them.
# The search index is dialect-specific (FTS5 or tsvector), so no model fits it.
LIBRARY_TABLES = frozenset({"apscheduler_jobs"}) | SEARCH_TABLES

__all__ = [
    "DONE",
    "DROPPED",
    "LIBRARY_TABLES",
    "MILESTONES",
    "OPEN",
    "SETUP_CREATING",
    "SETUP_INCOMPLETE",
    "SETUP_READY",
    "ActionItem",
    "Base",
    "DeadLetter",
    "DigestDelivery",
    "Incident",
    "IncidentNumber",
    "Lease",
    "Milestone",
    "Participant",
    "Postmortem",
    "ProcessedEvent",
    "Reaction",
    "RoleAssignment",
    "SeenRequest",
    "SentReminder",
    "SlackUser",
    "StatusUpdate",
    "TimelineEvent",
]
