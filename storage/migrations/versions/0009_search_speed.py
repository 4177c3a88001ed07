"""indexes that keep PostgreSQL search fast on long histories

Revision ID: 0009_search_speed
Revises: 0008_merge

Two things made a search slow on PostgreSQL once there were a million
timeline messages (SQLite's FTS5 index is unchanged):

- A quoted phrase of two common words: the word index narrows it down only to
  the messages holding both words (thousands), and each one had to be read to
  check that the words stand next to each other. ``search_pairs`` lists the
  adjacent word pairs of a document, and a GIN index over them finds the
  messages holding a pair directly.
- Ranking titles: a common word is in the text of almost every incident, so
  every incident was read and ranked to find the few whose title holds it. An
  index over the titles alone finds those.

``search_pairs`` is ``IMMUTABLE`` (an index expression must be) and derives
pairs from the stored ``tsvector`` positions, the same positions the phrase
operator ``<->`` compares, so a document matching a phrase always holds the
phrase's pairs.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.engine import Connection

revision = "0009_search_speed"
down_revision = "0008_merge"
branch_labels = None
depends_on = None

PAIRS_FUNCTION = """
CREATE OR REPLACE FUNCTION search_pairs(document tsvector) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme), '{}'::text[])
  FROM (SELECT lexeme, unnest(positions) AS at FROM unnest(document)) a
  JOIN (SELECT lexeme, unnest(positions) AS at FROM unnest(document)) b ON b.at = a.at + 1
$$"""

# name -> definition; dropped before a bulk re-index and built again after it.
INDEXES = {
    "ix_search_documents_pairs": "ON search_documents USING GIN (search_pairs(document))",
    "ix_search_messages_pairs": "ON search_messages USING GIN (search_pairs(document))",
    "ix_search_documents_title": (
        "ON search_documents USING GIN (to_tsvector('english', title)) WHERE source = 'incident'"
    ),
}


def create_indexes(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        return
    connection.exec_driver_sql(PAIRS_FUNCTION)
    for name, definition in INDEXES.items():
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop_indexes(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        return
    for name in INDEXES:
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def upgrade() -> None:
    create_indexes(op.get_bind())


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        return
    drop_indexes(connection)
    connection.exec_driver_sql("DROP FUNCTION IF EXISTS search_pairs(tsvector)")
