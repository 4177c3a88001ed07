"""A migrated database per test, and the default templates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.render import Templates
from storage import migrate
from storage.db import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def templates() -> Templates:
    return Templates()
