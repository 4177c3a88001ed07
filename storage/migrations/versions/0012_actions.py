"""delivery claims: who is sending each message, and the workspace of a report

Revision ID: 0012_actions
Revises: 0011_concurrency

Each delivery row is claimed with a compare-and-set before anything is posted,
so two processes never post the same message; ``claimed_by`` names the process
and ``claimed_at`` says when, so a claim left by a crashed process is taken
over. ``sent_reminders`` already keeps the claim time in ``sent_at``.

The monthly report stored its workspace in ``digest_deliveries.user_id``; it
now has its own ``team_id`` column, and the once-only key includes it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0012_actions"
down_revision = "0011_concurrency"
branch_labels = None
depends_on = None

REPORT = "monthly-report"


def upgrade() -> None:
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("team_id", sa.String(length=32), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("claimed_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint("uq_digest_once", type_="unique")
        batch_op.create_unique_constraint("uq_digest_once", ["team_id", "user_id", "week", "kind"])
    op.execute(
        sa.text(
            "UPDATE digest_deliveries SET team_id = user_id, user_id = '' WHERE kind = :kind"
        ).bindparams(kind=REPORT)
    )
    with op.batch_alter_table("sent_reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sent_reminders", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
    op.execute(
        sa.text("UPDATE digest_deliveries SET user_id = team_id WHERE kind = :kind").bindparams(
            kind=REPORT
        )
    )
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_digest_once", type_="unique")
        batch_op.create_unique_constraint("uq_digest_once", ["user_id", "week", "kind"])
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("team_id")
