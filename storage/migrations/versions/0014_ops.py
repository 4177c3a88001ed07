"""dead letters: captured events that could not be written

Revision ID: 0014_ops
Revises: 0013_seen_requests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0014_ops"
down_revision = "0013_seen_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_index(
        op.f("ix_dead_letters_created_at"), "dead_letters", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dead_letters_created_at"), table_name="dead_letters")
    op.drop_table("dead_letters")
