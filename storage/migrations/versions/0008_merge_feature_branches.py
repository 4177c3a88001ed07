"""Join the timeline, lifecycle and search branches into one line of history

Revision ID: 0008_merge
Revises: 0003_timeline, 0004_lifecycle, 0007_search
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0008_merge"
down_revision = ("0003_timeline", "0004_lifecycle", "0007_search")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: later revisions build on this single head."""


def downgrade() -> None:
    """Nothing to undo."""
