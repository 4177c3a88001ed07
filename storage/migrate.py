"""Apply Alembic migrations; ``serve`` calls this on start and ``sitrep db upgrade`` by hand."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.db import Database

# Any fixed number works; it only has to be the same in every Sitrep process.
MIGRATION_LOCK_KEY = 7_242_001


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "storage:migrations")
    return cfg


def upgrade(database: Database, revision: str = "heads") -> None:
    """Bring the schema up to date; safe when several processes start at once."""
    cfg = alembic_config()
    with database.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying and dropping it; with foreign keys
            # on, dropping incidents would cascade-delete every child row.
            # The pragma only takes effect outside a transaction, so it goes to
            # the driver directly, before SQLAlchemy begins one.
            _pragma(connection, "foreign_keys=OFF")
        try:
            with connection.begin():
                if not sqlite:
                    # Processes behind a load balancer start together; one migrates.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY}
                    )
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, revision)
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys=ON")


def _pragma(connection: Connection, setting: str) -> None:
    connection.connection.driver_connection.execute(f"PRAGMA {setting}")  # type: ignore[union-attr]


def current_heads(database: Database) -> set[str]:
    with database.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def expected_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())
