"""The default templates (the migrated ``db`` comes from tests/conftest.py)."""

from __future__ import annotations

import pytest

from bot.render import Templates


@pytest.fixture
def templates() -> Templates:
    return Templates()
