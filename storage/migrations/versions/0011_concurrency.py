"""one open holder per role; indexes for the sweep and the digest

Revision ID: 0011_concurrency
Revises: 0010_declare_claims

Two handovers at the same moment could each end the old holding and add a new
one, leaving an incident with two Incident Commanders. A unique index over the
open holdings (``ended_at IS NULL``) makes the database refuse the second.
Holdings that such races already left open are closed first, keeping the most
recent one, and ending each of the others when the next one began.

Fourteen queries filter status updates or action items by incident, and the
digest reads every open action item; none had an index to start from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_concurrency"
down_revision = "0010_declare_claims"
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


# name -> (table, columns)
INDEXES = {
    "ix_status_updates_incident_posted": ("status_updates", ["incident_id", "posted_at"]),
    "ix_action_items_incident_status": ("action_items", ["incident_id", "status"]),
    "ix_action_items_status_due": ("action_items", ["status", "due_date"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
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
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
