"""A fresh, migrated database per test, on SQLite or on the PostgreSQL named by the environment.

Set ``SITREP_TEST_POSTGRES_URL`` (a server URL whose user may create databases)
to run the database and end-to-end tests on PostgreSQL instead of SQLite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import normalize_url

POSTGRES_ENV = "SITREP_TEST_POSTGRES_URL"


def backend() -> str:
    return "postgresql" if os.environ.get(POSTGRES_ENV) else "sqlite"


@contextmanager
def fresh_database_url(tmp_dir: Path) -> Iterator[str]:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        yield f"sqlite:///{tmp_dir / 'sitrep.db'}"
        return
    server = normalize_url(server)
    name = f"sitrep_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
