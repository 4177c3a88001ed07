"""full-text search index over incidents, timelines and postmortems

Revision ID: 0007_search
Revises: 0001

Searchable text is copied into two index tables by database triggers on the
source tables, so every writer (slash commands, event capture, imports, bulk
loads) is indexed without calling search code:

- ``search_documents``: one row per incident (title, description, summary,
  root cause, tags, services) and per postmortem version — thousands of rows;
- ``search_messages``: one row per timeline message — millions of rows.

Keeping them apart keeps ranking cheap: a common word's posting list in the
small index is short, and the big one is only ever walked newest first.

- SQLite: FTS5 indexes over both, set up with sqlite-utils (external content
  tables plus their sync triggers), Porter stemming.
- PostgreSQL: generated ``tsvector`` columns (titles weighted A) with GIN indexes.

``install`` is idempotent and also used by ``storage.search.repair``: SQLite
drops a table's triggers when a later batch migration rebuilds the table.
"""

from __future__ import annotations

import sqlite_utils
from alembic import op
from sqlalchemy.engine import Connection

revision = "0007_search"
down_revision = "0001"
branch_labels = None
depends_on = None

# Timeline kinds that carry no words worth finding.
SKIPPED_KINDS = "('system', 'join', 'leave')"

SQLITE_TABLES = [
    """
CREATE TABLE IF NOT EXISTS search_documents (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    source VARCHAR(16) NOT NULL,
    source_id INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT ''
)""",
    """
CREATE TABLE IF NOT EXISTS search_messages (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    body TEXT NOT NULL DEFAULT ''
)""",
]

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_search_documents_source "
    "ON search_documents (source, source_id)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_incident ON search_documents (incident_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_search_messages_event ON search_messages (event_id)",
    "CREATE INDEX IF NOT EXISTS ix_search_messages_incident ON search_messages (incident_id)",
]

SQLITE_INCIDENT_BODY = (
    "coalesce({row}.description, '') || ' ' || coalesce({row}.summary, '') || ' ' || "
    "coalesce({row}.root_cause_category, '') || ' ' || coalesce({row}.tags, '') || ' ' || "
    "coalesce({row}.services, '')"
)
WORTH_INDEXING = "{row}.text <> '' AND {row}.deleted_at IS NULL AND {row}.kind NOT IN " + (
    SKIPPED_KINDS
)

SQLITE_TRIGGERS = {
    "search_incidents_ai": f"""
CREATE TRIGGER IF NOT EXISTS search_incidents_ai AFTER INSERT ON incidents BEGIN
  INSERT INTO search_documents (incident_id, source, source_id, title, body)
  VALUES (new.id, 'incident', new.id, new.title, {SQLITE_INCIDENT_BODY.format(row="new")});
END""",
    "search_incidents_au": f"""
CREATE TRIGGER IF NOT EXISTS search_incidents_au
AFTER UPDATE OF title, description, summary, root_cause_category, tags, services ON incidents
BEGIN
  UPDATE search_documents SET title = new.title, body = {SQLITE_INCIDENT_BODY.format(row="new")}
  WHERE source = 'incident' AND source_id = new.id;
END""",
    "search_incidents_ad": """
CREATE TRIGGER IF NOT EXISTS search_incidents_ad AFTER DELETE ON incidents BEGIN
  DELETE FROM search_documents WHERE incident_id = old.id;
  DELETE FROM search_messages WHERE incident_id = old.id;
END""",
    "search_timeline_ai": f"""
CREATE TRIGGER IF NOT EXISTS search_timeline_ai AFTER INSERT ON timeline_events
WHEN {WORTH_INDEXING.format(row="new")}
BEGIN
  INSERT INTO search_messages (incident_id, event_id, body)
  VALUES (new.incident_id, new.id, new.text);
END""",
    "search_timeline_au": f"""
CREATE TRIGGER IF NOT EXISTS search_timeline_au
AFTER UPDATE OF text, deleted_at, kind, incident_id ON timeline_events BEGIN
  DELETE FROM search_messages WHERE event_id = old.id;
  INSERT INTO search_messages (incident_id, event_id, body)
  SELECT new.incident_id, new.id, new.text WHERE {WORTH_INDEXING.format(row="new")};
END""",
    "search_timeline_ad": """
CREATE TRIGGER IF NOT EXISTS search_timeline_ad AFTER DELETE ON timeline_events BEGIN
  DELETE FROM search_messages WHERE event_id = old.id;
END""",
    "search_postmortems_ai": """
CREATE TRIGGER IF NOT EXISTS search_postmortems_ai AFTER INSERT ON postmortems BEGIN
  INSERT INTO search_documents (incident_id, source, source_id, title, body)
  VALUES (new.incident_id, 'postmortem', new.id, '', new.content);
END""",
    "search_postmortems_au": """
CREATE TRIGGER IF NOT EXISTS search_postmortems_au AFTER UPDATE OF content ON postmortems BEGIN
  UPDATE search_documents SET body = new.content
  WHERE source = 'postmortem' AND source_id = new.id;
END""",
    "search_postmortems_ad": """
CREATE TRIGGER IF NOT EXISTS search_postmortems_ad AFTER DELETE ON postmortems BEGIN
  DELETE FROM search_documents WHERE source = 'postmortem' AND source_id = old.id;
END""",
}

POSTGRES_TABLES = [
    """
CREATE TABLE IF NOT EXISTS search_documents (
    id BIGSERIAL PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    source VARCHAR(16) NOT NULL,
    source_id INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', body), 'D')
    ) STORED
)""",
    """
CREATE TABLE IF NOT EXISTS search_messages (
    id BIGSERIAL PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    document tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED
)""",
]

POSTGRES_GIN = [
    "CREATE INDEX IF NOT EXISTS ix_search_documents_document "
    "ON search_documents USING GIN (document)",
    "CREATE INDEX IF NOT EXISTS ix_search_messages_document "
    "ON search_messages USING GIN (document)",
]

POSTGRES_INCIDENT_BODY = (
    "concat_ws(' ', {row}.description, {row}.summary, {row}.root_cause_category, "
    "{row}.tags::text, {row}.services::text)"
)

POSTGRES_FUNCTIONS = [
    f"""
CREATE OR REPLACE FUNCTION search_index_incident() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM search_documents WHERE incident_id = OLD.id;
    DELETE FROM search_messages WHERE incident_id = OLD.id;
    RETURN NULL;
  END IF;
  INSERT INTO search_documents (incident_id, source, source_id, title, body)
  VALUES (NEW.id, 'incident', NEW.id, NEW.title, {POSTGRES_INCIDENT_BODY.format(row="NEW")})
  ON CONFLICT (source, source_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body;
  RETURN NULL;
END $$""",
    f"""
CREATE OR REPLACE FUNCTION search_index_timeline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM search_messages WHERE event_id = OLD.id;
    RETURN NULL;
  END IF;
  IF {WORTH_INDEXING.format(row="NEW")} THEN
    INSERT INTO search_messages (incident_id, event_id, body)
    VALUES (NEW.incident_id, NEW.id, NEW.text)
    ON CONFLICT (event_id) DO UPDATE SET body = EXCLUDED.body, incident_id = EXCLUDED.incident_id;
  ELSIF TG_OP = 'UPDATE' THEN
    DELETE FROM search_messages WHERE event_id = NEW.id;
  END IF;
  RETURN NULL;
END $$""",
    """
CREATE OR REPLACE FUNCTION search_index_postmortem() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM search_documents WHERE source = 'postmortem' AND source_id = OLD.id;
    RETURN NULL;
  END IF;
  INSERT INTO search_documents (incident_id, source, source_id, title, body)
  VALUES (NEW.incident_id, 'postmortem', NEW.id, '', NEW.content)
  ON CONFLICT (source, source_id) DO UPDATE SET body = EXCLUDED.body;
  RETURN NULL;
END $$""",
]

POSTGRES_TRIGGERS = {
    "search_incidents": (
        "incidents",
        "AFTER INSERT OR DELETE OR UPDATE OF title, description, summary, "
        "root_cause_category, tags, services",
        "search_index_incident",
    ),
    "search_timeline": (
        "timeline_events",
        "AFTER INSERT OR DELETE OR UPDATE OF text, deleted_at, kind, incident_id",
        "search_index_timeline",
    ),
    "search_postmortems": (
        "postmortems",
        "AFTER INSERT OR DELETE OR UPDATE OF content",
        "search_index_postmortem",
    ),
}
# sqlite-utils names the sync triggers of each indexed table <table>_ai/_ad/_au.
FTS_TABLES = {"search_documents": ["title", "body"], "search_messages": ["body"]}


def backfill_statements(dialect: str) -> list[str]:
    """Index what already exists; run once after install and by a rebuild."""
    body = (SQLITE_INCIDENT_BODY if dialect == "sqlite" else POSTGRES_INCIDENT_BODY).format(
        row="incidents"
    )
    return [
        "DELETE FROM search_documents",
        "DELETE FROM search_messages",
        "INSERT INTO search_documents (incident_id, source, source_id, title, body) "
        f"SELECT id, 'incident', id, title, {body} FROM incidents",
        "INSERT INTO search_documents (incident_id, source, source_id, title, body) "
        "SELECT incident_id, 'postmortem', id, '', content FROM postmortems",
        "INSERT INTO search_messages (incident_id, event_id, body) "
        "SELECT incident_id, id, text FROM timeline_events "
        f"WHERE {WORTH_INDEXING.format(row='timeline_events')} ORDER BY id",
    ]


def install(connection: Connection) -> None:
    """Create the index tables, the full-text indexes and the triggers, if missing."""
    if connection.dialect.name == "sqlite":
        _install_sqlite(connection)
    else:
        _install_postgres(connection)


def _install_sqlite(connection: Connection) -> None:
    for ddl in [*SQLITE_TABLES, *INDEXES]:
        connection.exec_driver_sql(ddl)
    raw = connection.connection.dbapi_connection
    # recursive_triggers would change this pooled connection for everyone after us.
    db = sqlite_utils.Database(raw, recursive_triggers=False, execute_plugins=False)
    for table, columns in FTS_TABLES.items():
        db.table(table).enable_fts(
            columns,
            create_triggers=True,
            tokenize="porter unicode61 remove_diacritics 2",
            replace=True,
        )
    # Title hits weigh ten times a body hit.
    connection.exec_driver_sql(
        "INSERT INTO search_documents_fts (search_documents_fts, rank) "
        "VALUES ('rank', 'bm25(10.0, 1.0)')"
    )
    for ddl in SQLITE_TRIGGERS.values():
        connection.exec_driver_sql(ddl)


def _install_postgres(connection: Connection) -> None:
    for ddl in [*POSTGRES_TABLES, *INDEXES, *POSTGRES_GIN, *POSTGRES_FUNCTIONS]:
        connection.exec_driver_sql(ddl)
    for name, (table, when, function) in POSTGRES_TRIGGERS.items():
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        connection.exec_driver_sql(
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def trigger_names(dialect: str) -> set[str]:
    return set(SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS)


def upgrade() -> None:
    connection = op.get_bind()
    install(connection)
    for statement in backfill_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        raw = connection.connection.dbapi_connection
        db = sqlite_utils.Database(raw, recursive_triggers=False, execute_plugins=False)
        for table in FTS_TABLES:
            db.table(table).disable_fts()
    else:
        for name, (table, _when, _function) in POSTGRES_TRIGGERS.items():
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in (
            "search_index_incident",
            "search_index_timeline",
            "search_index_postmortem",
        ):
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")
    for table in FTS_TABLES:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
