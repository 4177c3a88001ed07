"""Ranked full-text search over incidents, their timelines and postmortems.

Migration ``0007_search`` builds the index: rows copied from the source tables
by triggers, with SQLite FTS5 (set up by sqlite-utils) or PostgreSQL
``tsvector`` columns over them. Every lookup is bounded (see ``search``), so a
common word among a million messages costs an index walk that stops early,
not a million-row sort.

Incident texts and postmortems (``search_documents``, thousands of rows) and
timeline messages (``search_messages``, millions) have separate indexes.
Migration ``0009_search_speed`` adds the word-pair and title indexes that keep
phrases and title ranking fast on PostgreSQL. The package speaks plain SQL so
that ``storage.models`` can import its table names without an import cycle.

Where things are:

- ``query``: reading what people type into a ``Query``;
- ``backend``: the interface of a backend, chosen by SQL dialect, with one
  module per backend (``sqlite``, ``postgres``);
- ``ranking``: ``search`` itself, merging a backend's lookups into ranked hits;
- ``excerpts``: the text a hit shows;
- ``reindex``: repairing and rebuilding the index;
- ``index``: the tables, sources and bounds they share.

Callers import from ``storage.search`` only; the names below are its surface.
"""

from __future__ import annotations

from storage.search.excerpts import excerpt, plain
from storage.search.index import (
    INCIDENT,
    POOL,
    POSTMORTEM,
    PROFILE_SOURCES,
    RECENT,
    SEARCH_TABLES,
    TIMELINE,
    Walk,
)
from storage.search.postgres import DOCUMENT_WALK, FETCH_COST, MESSAGE_WALK, WALK_COST
from storage.search.query import MAX_TERMS, InvalidQuery, Query, any_of, parse
from storage.search.ranking import Hit, search
from storage.search.reindex import (
    REVISION,
    SPEED_REVISION,
    installed,
    missing_triggers,
    optimize,
    reindex,
    repair,
    suspend,
)

__all__ = [
    "DOCUMENT_WALK",
    "FETCH_COST",
    "INCIDENT",
    "MAX_TERMS",
    "MESSAGE_WALK",
    "POOL",
    "POSTMORTEM",
    "PROFILE_SOURCES",
    "RECENT",
    "REVISION",
    "SEARCH_TABLES",
    "SPEED_REVISION",
    "TIMELINE",
    "WALK_COST",
    "Hit",
    "InvalidQuery",
    "Query",
    "Walk",
    "any_of",
    "excerpt",
    "installed",
    "missing_triggers",
    "optimize",
    "parse",
    "plain",
    "reindex",
    "repair",
    "search",
    "suspend",
]
