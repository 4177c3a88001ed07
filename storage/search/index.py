"""What the index holds and how far a lookup may go, shared by both backends.

``storage.models`` imports ``SEARCH_TABLES`` from here (through the package) to
tell the index's tables from its own, so this module must not import the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, bindparam

from storage.types import UTCDateTime

# Created by the migration and sqlite-utils; no model describes them.
SEARCH_TABLES = frozenset(
    name
    for table in ("search_documents", "search_messages")
    for name in (
        table,
        f"{table}_fts",
        f"{table}_fts_data",
        f"{table}_fts_idx",
        f"{table}_fts_docsize",
        f"{table}_fts_config",
    )
)
INCIDENT, TIMELINE, POSTMORTEM = "incident", "timeline", "postmortem"
PROFILE_SOURCES = (INCIDENT, POSTMORTEM)
# How many best-ranked summaries and postmortems, and how many of the newest
# matching messages, are grouped into incidents.
POOL = 800
RECENT = 1000


@dataclass(frozen=True)
class Walk:
    """How many rows of an index table one PostgreSQL lookup may check one by one.

    The ``window`` newest rows are checked first. When they hold too few
    matches, the share that matched estimates what finishing costs: checking
    the older rows one by one (at most ``further`` of them) or fetching every
    older match through the GIN indexes (when about ``fetch`` or fewer). The
    cheaper complete one is taken; failing both, the ``further`` rows are walked
    and the lookup counts the newest matches among them. With no window,
    matches are always fetched through the indexes. SQLite needs no budget.
    """

    window: int
    further: int
    fetch: int = 0


def typed(statement: TextClause, params: dict[str, Any]) -> TextClause:
    """Bind times through the UTC column type, which stores them the same way as the ORM."""
    if "before" in params:
        return statement.bindparams(bindparam("before", type_=UTCDateTime()))
    return statement
