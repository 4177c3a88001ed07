"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import migrate
from storage.db import Database
from storage.models import LIBRARY_TABLES, Base


def test_upgrade_reaches_every_head_and_matches_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate.upgrade(database)
        assert migrate.current_heads(database) == migrate.expected_heads()
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        differences = [d for d in differences if not _library_table(d)]
        assert differences == []
    finally:
        database.dispose()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate.upgrade(database)
        migrate.upgrade(database)
        assert migrate.current_heads(database) == migrate.expected_heads()
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    database.dispose()


def _library_table(difference: object) -> bool:
    """APScheduler's table is created by migration but described by APScheduler, not us."""
    if isinstance(difference, tuple) and len(difference) > 1:
        target = difference[1]
        table = getattr(target, "table", target)
        return getattr(table, "name", None) in LIBRARY_TABLES
    return False


def test_upgrading_an_existing_sqlite_database_keeps_its_rows(tmp_path) -> None:
    """Rows written at the first revision survive every later one.

    SQLite rebuilds altered tables; a rebuild of ``incidents`` with foreign keys
    on would cascade-delete its children, so upgrades run with them off.
    """
    from sqlalchemy import text

    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        migrate.upgrade(database, "0001")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO incidents (id, team_id, number, title, description, severity,"
                    " status, is_private, services, declared_by, declared_at, setup_state,"
                    " summary, updated_at, customer_tier, root_cause_category, tags)"
                    " VALUES (1, 'T', 1, 't', '', 'SEV1', 'investigating', 0, '[]', 'U',"
                    " '2026-01-01 00:00:00', 'ready', '', '2026-01-01 00:00:00', '', '', '[]')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO role_assignments (incident_id, role, user_id, assigned_by,"
                    " assigned_at) VALUES (1, 'incident_commander', 'U', 'U',"
                    " '2026-01-01 00:00:00')"
                )
            )
        migrate.upgrade(database)
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM role_assignments")).scalar() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()
