"""Keeping the index healthy: noticing dropped triggers, and rebuilding it in bulk.

The migrations own the index's DDL (``0007_search`` its tables and triggers,
``0009_search_speed`` PostgreSQL's extra indexes); this module runs their
functions again rather than keeping a second copy, and asks the backend for
the little that differs between dialects.
"""

from __future__ import annotations

import logging
from types import ModuleType

from sqlalchemy import Connection

from storage.db import Database
from storage.search.backend import for_dialect

log = logging.getLogger(__name__)

REVISION = "0007_search"
SPEED_REVISION = "0009_search_speed"  # the pair and title indexes PostgreSQL uses


def installed(connection: Connection) -> bool:
    return for_dialect(connection.dialect.name).installed(connection)


def missing_triggers(connection: Connection) -> set[str]:
    migration = _migration()
    expected: set[str] = migration.trigger_names(connection.dialect.name)
    return expected - for_dialect(connection.dialect.name).triggers(connection)


def repair(database: Database) -> bool:
    """Put back triggers a table rebuild dropped and re-index; True when it had to.

    SQLite drops a table's triggers when a migration rebuilds the table (Alembic
    batch mode), so each start checks and, if needed, rebuilds the index.
    """
    with database.engine.connect() as connection:
        if not installed(connection) or not missing_triggers(connection):
            return False
    log.warning("search triggers were missing; rebuilding the search index")
    reindex(database)
    return True


def suspend(database: Database) -> None:
    """Stop indexing writes, before a bulk load; ``reindex`` afterwards catches up in bulk.

    Row-by-row indexing costs several times more than one bulk pass, which
    matters when loading years of history at once.
    """
    with database.engine.begin() as connection:
        for_dialect(connection.dialect.name).drop_triggers(connection, _migration())


def reindex(database: Database) -> None:
    """Rebuild the whole index from the source tables in bulk, then resume indexing."""
    suspend(database)
    migration, speed = _migration(), _migration(SPEED_REVISION)
    with database.engine.begin() as connection:
        # Building the pair and title indexes once after the load is several
        # times faster than growing them row by row.
        speed.drop_indexes(connection)
        for statement in migration.backfill_statements(connection.dialect.name):
            connection.exec_driver_sql(statement)
        # On SQLite, sqlite-utils finds its sync triggers gone, so it recreates the
        # full-text index and fills it from the documents in one pass.
        migration.install(connection)
        speed.create_indexes(connection)


def optimize(database: Database) -> None:
    """Merge the index after a bulk load, so queries walk one segment, not hundreds."""
    with database.engine.begin() as connection:
        for_dialect(connection.dialect.name).optimize(connection)


def _migration(name: str = REVISION) -> ModuleType:
    from storage import migrate  # only here: storage.models imports this package

    script = migrate.ScriptDirectory.from_config(migrate.alembic_config())
    revision = script.get_revision(name)
    assert revision is not None and revision.module is not None
    return revision.module
