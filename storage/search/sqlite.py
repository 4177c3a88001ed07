"""The SQLite backend: FTS5 tables, set up and kept in sync by sqlite-utils.

FTS5 keeps rowids in order, so ``ORDER BY rowid DESC LIMIT n`` walks the index
newest first and stops after ``n`` matches: no budget is needed, and ``walk``
is accepted only to share the interface in ``storage.search.backend``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from storage.search.index import POOL, TIMELINE, Walk, typed
from storage.search.query import Query


def titles(session: Session, query: Query, clauses: str, params: dict[str, Any]) -> list[Any]:
    # Only incident documents have a title, and titles are short: ranking every
    # match stays cheap. rank is bm25, negative, lower is better.
    match = "title : (" + query.fts5() + ")"  # only incident rows have a title
    # The team, exclusion and date filters apply before the limit, so other
    # teams' incidents can never fill the pool; CROSS JOIN keeps the FTS table
    # as the outer loop, which is what lets SQLite stop early.
    sql = f"""
        SELECT d.incident_id, -search_documents_fts.rank AS best, d.id AS doc_id
        FROM search_documents_fts
        CROSS JOIN search_documents d ON d.id = search_documents_fts.rowid
        CROSS JOIN incidents i ON i.id = d.incident_id
        WHERE search_documents_fts MATCH :match AND {clauses}
        ORDER BY search_documents_fts.rank LIMIT :pool
    """
    statement = typed(text(sql), params)
    return list(session.execute(statement, {"match": match, "pool": POOL, **params}))


def newest(
    session: Session,
    query: Query,
    sources: tuple[str, ...],
    limit: int,
    clauses: str,
    params: dict[str, Any],
    walk: Walk | None = None,
) -> list[Any]:
    # Walking the index newest first and stopping early is what keeps this cheap.
    if sources == (TIMELINE,):
        table, match, narrow = "search_messages", query.fts5(), ""
    else:
        table, match = "search_documents", "body : (" + query.fts5() + ")"
        narrow = " AND d.source IN (" + ", ".join(f"'{s}'" for s in sources) + ")"
    # Filters apply inside the walk, before the limit, so another team's (or an
    # excluded or later) incident cannot take this team's places; the FTS
    # table stays the outer loop (CROSS JOIN), walked newest first.
    sql = f"""
        WITH hits AS (
            SELECT {table}_fts.rowid AS doc_id, d.incident_id
            FROM {table}_fts
            CROSS JOIN {table} d ON d.id = {table}_fts.rowid
            CROSS JOIN incidents i ON i.id = d.incident_id
            WHERE {table}_fts MATCH :match{narrow} AND {clauses}
            ORDER BY {table}_fts.rowid DESC LIMIT :limit
        )
        SELECT incident_id, COUNT(*) AS matches, MAX(doc_id) AS doc_id
        FROM hits
        GROUP BY incident_id
    """
    statement = typed(text(sql), params)
    return list(session.execute(statement, {"match": match, "limit": limit, **params}))


def installed(connection: Connection) -> bool:
    found = connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE name = 'search_messages_fts'"
    ).scalar()
    return bool(found)


def triggers(connection: Connection) -> set[str]:
    rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {row[0] for row in rows}


def drop_triggers(connection: Connection, migration: ModuleType) -> None:
    """Drop every trigger that feeds the index, sqlite-utils' included."""
    fts = [f"{t}_{s}" for t in migration.FTS_TABLES for s in ("ai", "ad", "au")]
    for name in [*migration.SQLITE_TRIGGERS, *fts]:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def optimize(connection: Connection) -> None:
    """Merge each FTS5 index into one segment."""
    for table in ("search_documents", "search_messages"):
        connection.exec_driver_sql(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('optimize')")
