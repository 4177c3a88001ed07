"""The interface each search backend offers, and the choice of one by SQL dialect.

A backend is a module (``storage.search.sqlite`` or ``storage.search.postgres``)
whose functions match ``Backend``: its SQL differs too much between FTS5 and
``tsvector`` to share, while what is done with the rows (ranking, excerpts,
rebuilding the index) is the same and lives outside the backends.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from storage.search import postgres, sqlite
from storage.search.index import Walk
from storage.search.query import Query


class Backend(Protocol):
    """Lookups over the index, and its upkeep, in one dialect's SQL.

    Every lookup row carries ``incident_id`` and ``doc_id`` (an id in
    ``search_documents`` or ``search_messages``); ``clauses`` and ``params``
    filter the incidents (aliased ``i``) the rows belong to.
    """

    def titles(
        self, session: Session, query: Query, clauses: str, params: dict[str, Any]
    ) -> list[Any]:
        """Incidents whose title matches, with ``best``: higher ranks first."""
        ...

    def newest(
        self,
        session: Session,
        query: Query,
        sources: tuple[str, ...],
        limit: int,
        clauses: str,
        params: dict[str, Any],
        walk: Walk | None = None,
    ) -> list[Any]:
        """About the newest ``limit`` matches in ``sources``, counted per incident."""
        ...

    def installed(self, connection: Connection) -> bool:
        """Whether migration ``0007_search`` has built the index in this database."""
        ...

    def triggers(self, connection: Connection) -> set[str]:
        """The names of the triggers this database has, whichever table they are on."""
        ...

    def drop_triggers(self, connection: Connection, migration: ModuleType) -> None:
        """Stop feeding the index: drop the triggers ``migration`` installs."""
        ...

    def optimize(self, connection: Connection) -> None:
        """Make the index quick to query again after a bulk load."""
        ...


def for_dialect(name: str) -> Backend:
    """The backend for a SQLAlchemy dialect name; anything but SQLite is PostgreSQL."""
    return sqlite if name == "sqlite" else postgres
