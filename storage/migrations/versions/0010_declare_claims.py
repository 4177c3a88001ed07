"""incident numbers never reused; declares claim their setup

Revision ID: 0010_declare_claims
Revises: 0009_search_speed

- ``incident_numbers`` holds the last number given out per workspace. It
  starts at the highest number stored today; numbers of declares discarded
  before this revision cannot be known, and are not.
- ``incidents.setup_owner`` and ``setup_claimed_at`` record who is building an
  incident's Slack side and since when. A declare that was cut short before
  this revision (still "creating", no channel) gets a claim dated at its
  declare, so the start-up clean-up can recognise it as abandoned; every
  other incident starts unclaimed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010_declare_claims"
down_revision = "0009_search_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_numbers",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_incident_numbers")),
    )
    op.execute(
        "INSERT INTO incident_numbers (team_id, last_number) "
        "SELECT team_id, MAX(number) FROM incidents GROUP BY team_id"
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("setup_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "setup_claimed_at", storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.execute(
        "UPDATE incidents SET setup_owner = 'before-0010', setup_claimed_at = declared_at "
        "WHERE setup_state = 'creating' AND channel_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("setup_claimed_at")
        batch_op.drop_column("setup_owner")
    op.drop_table("incident_numbers")
