"""one open holder per role

Revision ID: 0011_concurrency
Revises: 0009_search_speed

Two handovers at the same moment could each end the old holding and add a new
one, leaving an incident with two Incident Commanders. A unique index over the
open holdings (``ended_at IS NULL``) makes the database refuse the second.
Holdings that such races already left open are closed first, keeping the most
recent one, and ending each of the others when the next one began.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_concurrency"
down_revision = "0009_search_speed"
branch_labels = None
depends_on = None

OPEN = sa.text("ended_at IS NULL")

CLOSE_DUPLICATES = """
UPDATE role_assignments SET ended_at = (
    SELECT MIN(newer.assigned_at) FROM role_assignments newer
    WHERE newer.incident_id = role_assignments.incident_id
      AND newer.role = role_assignments.role
      AND newer.ended_at IS NULL
      AND newer.id > role_assignments.id
)
WHERE ended_at IS NULL AND EXISTS (
    SELECT 1 FROM role_assignments newer
    WHERE newer.incident_id = role_assignments.incident_id
      AND newer.role = role_assignments.role
      AND newer.ended_at IS NULL
      AND newer.id > role_assignments.id
)
"""


def upgrade() -> None:
    op.execute(CLOSE_DUPLICATES)
    op.create_index(
        "uq_role_assignments_open",
        "role_assignments",
        ["incident_id", "role"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_role_assignments_open", table_name="role_assignments")
