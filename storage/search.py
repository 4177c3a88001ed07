"""Ranked full-text search over incidents, their timelines and postmortems.

Migration ``0007_search`` builds the index: rows copied from the source tables
by triggers, with SQLite FTS5 (set up by sqlite-utils) or PostgreSQL
``tsvector`` columns over them. Every lookup is bounded (see ``search``), so a
common word among a million messages costs an index walk that stops early,
not a million-row sort.

Incident texts and postmortems (``search_documents``, thousands of rows) and
timeline messages (``search_messages``, millions) have separate indexes.
Migration ``0009_search_speed`` adds the word-pair and title indexes that keep
phrases and title ranking fast on PostgreSQL. This
module speaks plain SQL so that ``storage.models`` can import its table names
without an import cycle.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, text
from sqlalchemy.orm import Session

from storage.db import Database
from storage.types import UTCDateTime

log = logging.getLogger(__name__)

REVISION = "0007_search"
SPEED_REVISION = "0009_search_speed"  # the pair and title indexes PostgreSQL uses
# Created by the migration and sqlite-utils; no model describes them.
SEARCH_TABLES = frozenset(
    name
    for table in ("search_documents", "search_messages")
    for name in (
        table,
        f"{table}_fts",
        f"{table}_fts_data",
        f"{table}_fts_idx",
        f"{table}_fts_docsize",
        f"{table}_fts_config",
    )
)
INCIDENT, TIMELINE, POSTMORTEM = "incident", "timeline", "postmortem"
PROFILE_SOURCES = (INCIDENT, POSTMORTEM)
# How many best-ranked summaries and postmortems, and how many of the newest
# matching messages, are grouped into incidents.
POOL = 800
RECENT = 1000
MAX_TERMS = 24

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


class InvalidQuery(ValueError):
    """The words given contain nothing that can be searched for."""


@dataclass(frozen=True)
class Query:
    """Search words: alternatives (``OR``) of all-required terms, minus excluded ones.

    A term is one word or a quoted phrase, kept as the words it contains.
    """

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    excluded: tuple[tuple[str, ...], ...] = ()

    @property
    def words(self) -> list[str]:
        seen: dict[str, None] = {}
        for group in self.groups:
            for term in group:
                for word in term:
                    seen.setdefault(word.lower(), None)
        return list(seen)

    def fts5(self) -> str:
        """The FTS5 MATCH expression; every term quoted, so no input is a syntax error."""

        def phrase(term: tuple[str, ...]) -> str:
            return '"' + " ".join(term).replace('"', '""') + '"'

        alternatives = [" AND ".join(phrase(t) for t in group) for group in self.groups]
        expression = " OR ".join(f"({a})" for a in alternatives)
        for term in self.excluded:
            expression = f"({expression}) NOT {phrase(term)}"
        return expression

    def websearch(self) -> str:
        """The same query in ``websearch_to_tsquery`` syntax."""

        def phrase(term: tuple[str, ...]) -> str:
            return '"' + " ".join(term) + '"' if len(term) > 1 else term[0]

        alternatives = [" ".join(phrase(t) for t in group) for group in self.groups]
        negatives = " ".join("-" + phrase(t) for t in self.excluded)
        return (" or ".join(alternatives) + " " + negatives).strip()

    def ranking(self) -> str:
        """The query to rank by: without its excluded terms.

        ``ts_rank`` gives every document 1e-20 for a query with a ``!term`` in
        it, which made every match of ``word -other`` look like a title match.
        """
        return Query(self.groups).websearch()


def parse(raw: str) -> Query:
    """Read ``db timeout``, ``"connection pool" OR deadlock``, ``checkout -staging``."""
    groups: list[list[tuple[str, ...]]] = [[]]
    excluded: list[tuple[str, ...]] = []
    count = 0
    for match in _TOKEN.finditer(raw):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.upper() == "OR":
            if groups[-1]:
                groups.append([])
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(_WORD.findall(quoted if quoted is not None else bare or ""))
        if not words or count >= MAX_TERMS:
            continue
        count += 1
        if negated:
            excluded.append(words)
        elif quoted is not None:
            groups[-1].append(words)
        else:
            # "api-gateway" is two words that must follow each other.
            groups[-1].append(words)
    kept = tuple(tuple(g) for g in groups if g)
    if not kept:
        raise InvalidQuery("there are no words to search for")
    return Query(kept, tuple(excluded))


def any_of(words: Iterable[str]) -> Query:
    """A query matching any of ``words``, for finding related incidents."""
    groups = tuple(((w,),) for w in dict.fromkeys(w.lower() for w in words if _WORD.fullmatch(w)))
    if not groups:
        raise InvalidQuery("there are no words to compare")
    return Query(groups[:MAX_TERMS])


@dataclass
class Hit:
    incident_id: int
    score: float  # higher is more relevant
    matches: int  # matching documents found (summary, postmortem, recent messages)
    source: str = ""  # where the best match is: incident, timeline or postmortem
    excerpt: str = ""


@dataclass
class _Partial:
    title: float = 0.0  # relevance of the title, ranked across all history
    title_doc: int | None = None
    bodies: int = 0  # matching summaries and postmortems among the newest matches
    body_doc: int | None = None
    messages: int = 0  # matching messages among the newest matches
    message_doc: int | None = None


def search(
    session: Session,
    query: Query,
    team_id: str,
    *,
    limit: int = 10,
    sources: Iterable[str] | None = None,
    exclude_incident_id: int | None = None,
    declared_before: datetime | None = None,
    walk: Walk | None = None,
) -> list[Hit]:
    """Incidents matching ``query``, most relevant first, each with its best excerpt.

    Every lookup is bounded, whatever the size of the history:

    - titles, ranked by relevance (bm25 / ts_rank) over every incident;
    - descriptions, summaries and postmortems: the ``POOL`` newest matches;
    - timeline messages: the ``RECENT`` newest matches (on PostgreSQL a word
      of middling frequency is counted within a bounded number of the newest
      messages; see ``Walk``).

    Ranking every match of a common word among a million messages costs
    hundreds of milliseconds; walking the index newest first and stopping
    early costs one or two. A title match outranks a summary or postmortem
    match, which outranks chat mentions; how many matched lifts an incident
    within that order. ``walk`` bounds the message lookup on PostgreSQL
    (``MESSAGE_WALK`` unless given).
    """
    only = set(sources) if sources else {INCIDENT, TIMELINE, POSTMORTEM}
    sqlite = session.get_bind().dialect.name == "sqlite"
    clauses, params = _filters(team_id, exclude_incident_id, declared_before)
    found: dict[int, _Partial] = {}
    profile = tuple(sorted(only & set(PROFILE_SOURCES)))
    if INCIDENT in only:
        titles = _sqlite_titles if sqlite else _postgres_titles
        for row in titles(session, query, clauses, params):
            entry = found.setdefault(row.incident_id, _Partial())
            entry.title, entry.title_doc = float(row.best), row.doc_id
    if profile:
        bodies = _sqlite_newest if sqlite else _postgres_newest
        for row in bodies(session, query, profile, POOL, clauses, params):
            entry = found.setdefault(row.incident_id, _Partial())
            entry.bodies, entry.body_doc = int(row.matches), row.doc_id
    if TIMELINE in only:
        if sqlite:
            rows = _sqlite_newest(session, query, (TIMELINE,), RECENT, clauses, params)
        else:
            rows = _postgres_newest(session, query, (TIMELINE,), RECENT, clauses, params, walk)
        for row in rows:
            entry = found.setdefault(row.incident_id, _Partial())
            entry.messages, entry.message_doc = int(row.matches), row.doc_id
    if not found:
        return []
    top_title = max(p.title for p in found.values()) or 1.0
    top_bodies = max(p.bodies for p in found.values()) or 1
    top_messages = max(p.messages for p in found.values()) or 1
    hits = []
    for incident_id, part in found.items():
        score = 2.0 * part.title / top_title
        if part.bodies:
            score += 0.6 + 0.2 * math.log1p(part.bodies) / math.log1p(top_bodies)
        score += 0.5 * math.log1p(part.messages) / math.log1p(top_messages)
        hits.append(Hit(incident_id, round(score, 6), part.bodies + part.messages))
    hits.sort(key=lambda h: (h.score, h.incident_id), reverse=True)
    hits = hits[:limit]
    best_docs: dict[int, tuple[str, int]] = {}
    for hit in hits:
        part = found[hit.incident_id]
        if part.body_doc:
            doc = ("search_documents", part.body_doc)
        elif part.message_doc:
            doc = ("search_messages", part.message_doc)
        else:
            doc = ("search_documents", part.title_doc or 0)
        best_docs[hit.incident_id] = doc
    _add_excerpts(session, hits, best_docs, query)
    return hits


def _filters(
    team_id: str, exclude_incident_id: int | None, declared_before: datetime | None
) -> tuple[str, dict[str, Any]]:
    clauses, params = "i.team_id = :team", {"team": team_id}
    if exclude_incident_id is not None:
        clauses += " AND i.id <> :exclude"
        params["exclude"] = exclude_incident_id
    if declared_before is not None:
        clauses += " AND i.declared_at < :before"
        params["before"] = declared_before
    return clauses, params


def _typed(statement: TextClause, params: dict[str, Any]) -> TextClause:
    """Bind times through the UTC column type, which stores them the same way as the ORM."""
    if "before" in params:
        return statement.bindparams(bindparam("before", type_=UTCDateTime()))
    return statement


def _sqlite_titles(
    session: Session, query: Query, clauses: str, params: dict[str, Any]
) -> list[Any]:
    # Only incident documents have a title, and titles are short: ranking every
    # match stays cheap. rank is bm25, negative, lower is better.
    match = "title : (" + query.fts5() + ")"  # only incident rows have a title
    sql = f"""
        WITH hits AS (
            SELECT rowid AS doc_id, rank AS score FROM search_documents_fts
            WHERE search_documents_fts MATCH :match ORDER BY rank LIMIT :pool
        )
        SELECT d.incident_id, -h.score AS best, h.doc_id
        FROM hits h
        JOIN search_documents d ON d.id = h.doc_id
        JOIN incidents i ON i.id = d.incident_id
        WHERE {clauses}
    """
    statement = _typed(text(sql), params)
    return list(session.execute(statement, {"match": match, "pool": POOL, **params}))


def _sqlite_newest(
    session: Session,
    query: Query,
    sources: tuple[str, ...],
    limit: int,
    clauses: str,
    params: dict[str, Any],
) -> list[Any]:
    # Walking the index newest first and stopping early is what keeps this cheap.
    if sources == (TIMELINE,):
        table, match, narrow = "search_messages", query.fts5(), ""
    else:
        table, match = "search_documents", "body : (" + query.fts5() + ")"
        narrow = " AND d.source IN (" + ", ".join(f"'{s}'" for s in sources) + ")"
    sql = f"""
        WITH hits AS (
            SELECT rowid AS doc_id FROM {table}_fts
            WHERE {table}_fts MATCH :match ORDER BY rowid DESC LIMIT :limit
        )
        SELECT d.incident_id, COUNT(*) AS matches, MAX(h.doc_id) AS doc_id
        FROM hits h
        JOIN {table} d ON d.id = h.doc_id{narrow}
        JOIN incidents i ON i.id = d.incident_id
        WHERE {clauses}
        GROUP BY d.incident_id
    """
    statement = _typed(text(sql), params)
    return list(session.execute(statement, {"match": match, "limit": limit, **params}))


def _postgres_titles(
    session: Session, query: Query, clauses: str, params: dict[str, Any]
) -> list[Any]:
    # Titles carry weight A; the {D, C, B, A} weights rank on the title alone, so
    # only incidents whose title holds a query word can score. The title index
    # finds those: ranking every incident whose text holds a common word (most
    # of them) was what made this slow. MATERIALIZED keeps the planner on it
    # (and parses the queries once, also under a generic plan).
    sql = f"""
        WITH q AS MATERIALIZED (
            SELECT websearch_to_tsquery('english', :q) AS query,
                   websearch_to_tsquery('english', :ranked) AS ranked,
                   websearch_to_tsquery('english', :any) AS any_word
        ),
        titled AS MATERIALIZED (
            SELECT d.id, d.incident_id, d.document FROM search_documents d, q
            WHERE to_tsvector('english', d.title) @@ q.any_word AND d.source = 'incident'
        ),
        hits AS (
            SELECT t.id, t.incident_id, ts_rank('{{0, 0, 0, 1}}', t.document, q.ranked) AS score
            FROM titled t, q
            WHERE t.document @@ q.query
            ORDER BY score DESC LIMIT :pool
        )
        SELECT h.incident_id, h.score AS best, h.id AS doc_id
        FROM hits h JOIN incidents i ON i.id = h.incident_id
        WHERE {clauses} AND h.score > 0
    """
    statement = _typed(text(sql), params)
    values = {
        "q": query.websearch(),
        "ranked": query.ranking(),
        "any": " or ".join(f'"{w}"' for w in query.words),
        "pool": POOL,
        **params,
    }
    return list(session.execute(statement, values))


@dataclass(frozen=True)
class Walk:
    """How many rows of an index table one PostgreSQL lookup may check one by one.

    The ``window`` newest rows are checked first. When they hold too few
    matches, the share that matched estimates what finishing costs: checking
    the older rows one by one (at most ``further`` of them) or fetching every
    older match through the GIN indexes (when about ``fetch`` or fewer). The
    cheaper complete one is taken; failing both, the ``further`` rows are walked
    and the lookup counts the newest matches among them. With no window,
    matches are always fetched through the indexes.
    """

    window: int
    further: int
    fetch: int = 0


# Checking the next row while walking the primary key backwards costs about
# 0.5 µs; fetching a row the GIN index pointed at, from a page outside
# PostgreSQL's buffers, about 6 µs (measured on the benchmark). Walking 17,000
# rows or fetching 1,500 costs under 10 ms.
WALK_COST, FETCH_COST = 1.0, 12.0
MESSAGE_WALK = Walk(window=2_000, further=15_000, fetch=1_500)
# Postmortems are long and their documents stored out of line: reading one to
# check it costs more than the index answering for all of them.
DOCUMENT_WALK = Walk(window=0, further=0)


@dataclass
class _Grouped:
    incident_id: int
    matches: int
    doc_id: int


def _postgres_newest(
    session: Session,
    query: Query,
    sources: tuple[str, ...],
    limit: int,
    clauses: str,
    params: dict[str, Any],
    walk: Walk | None = None,
) -> list[_Grouped]:
    """About the newest ``limit`` matches, grouped by incident, read in bounded passes.

    Common words fill ``limit`` within the newest rows; rare words and phrases
    are fetched through the indexes. A word between the two (a few percent of
    all messages) is counted over at most ``walk.window + walk.further`` rows:
    fewer than ``limit`` of its matches, all of them the newest. Each pass has a
    shape that leaves the planner one plan, so neither a misjudged phrase nor a
    prepared statement's generic plan can turn a short walk into a full scan.
    """
    if sources == (TIMELINE,):
        table, narrow, walk = "search_messages", "", walk or MESSAGE_WALK
    else:
        # Bodies are weight D; an incident matching on its title alone has no
        # body match and is left out (postmortems have no title).
        table, walk = "search_documents", walk or DOCUMENT_WALK
        narrow = (
            " AND d.source = ANY(:sources)"
            " AND (d.source <> 'incident' OR ts_rank('{1, 0, 0, 0}', d.document, q.ranked) > 0)"
        )
    lookup = _Lookup(session, query, table, narrow, clauses, {**params, "sources": list(sources)})
    if not walk.window:
        lookup.fetch(limit)
        return lookup.found()
    lookup.walk(walk.window, limit)
    if lookup.count < limit:
        floor, older = lookup.older_than(walk.window)
        if floor is not None:
            density, rest = lookup.count / walk.window, limit - lookup.count
            # Rows to walk for the rest of the matches, and matches to fetch.
            needed = min(older, 1.5 * rest / density) if density else math.inf
            fetched = density * older
            costs = {}
            if needed <= walk.further:
                costs["walk"] = WALK_COST * needed
            if fetched <= walk.fetch:
                costs["fetch"] = FETCH_COST * fetched
            if costs and min(costs, key=costs.__getitem__) == "fetch":
                lookup.fetch(rest, below=floor)
            else:
                # Either is complete, or the newest matches within the budget.
                lookup.walk(int(min(needed, walk.further)), rest, below=floor)
    return lookup.found()


class _Lookup:
    """The passes of one newest-matches lookup, adding up what they find."""

    def __init__(
        self,
        session: Session,
        query: Query,
        table: str,
        narrow: str,
        clauses: str,
        params: dict[str, Any],
    ) -> None:
        self.session, self.query, self.table = session, query, table
        self.narrow, self.clauses, self.params = narrow, clauses, params
        self.count = 0  # matches found, whichever team they belong to
        self._found: dict[int, _Grouped] = {}

    def walk(self, rows: int, limit: int, below: int | None = None) -> None:
        """Check the newest ``rows`` rows (older than ``below``) one by one."""
        under = "WHERE d.id < :below" if below is not None else ""
        source = ", d.source" if self.narrow else ""
        # The LIMIT inside bounds the walk whatever the words: the planner
        # cannot move the text condition into it.
        candidates = f"""
            SELECT d.id, d.incident_id, d.document{source} FROM {self.table} d {under}
            ORDER BY d.id DESC LIMIT :rows
        """
        then = f"WHERE d.document @@ q.query{self.narrow} ORDER BY d.id DESC LIMIT :limit"
        self._run(candidates, then, {"rows": rows, "below": below, "limit": limit})

    def fetch(self, limit: int, below: int | None = None) -> None:
        """Every match (older than ``below``) through the GIN indexes, newest first."""
        pairs = self._pairs()
        source = ", d.source" if self.narrow else ""
        if pairs:
            # Adjacent pairs of the phrase's words: far fewer rows than those
            # holding both words, and every match among them. The phrase itself
            # is checked on those alone.
            candidates = f"""
                SELECT d.id, d.incident_id, d.document{source} FROM {self.table} d
                WHERE search_pairs(d.document) @> CAST(:pairs AS text[])
            """
            check = "d.document @@ q.query" + self.narrow
        else:
            # Words, OR and -word are answered by the GIN index alone, without
            # reading the stored documents back.
            candidates = f"""
                SELECT d.id, d.incident_id FROM {self.table} d, q
                WHERE d.document @@ q.query{self.narrow}
            """
            check = "TRUE"
        under = " AND d.id < :below" if below is not None else ""
        # MATERIALIZED: collect the matches, then take the newest; the planner
        # may not walk the primary key backwards in search of rare words.
        self._run(
            candidates,
            f"WHERE {check}{under} ORDER BY d.id DESC LIMIT :limit",
            {"pairs": pairs, "below": below, "limit": limit},
            materialized=True,
        )

    def older_than(self, rows: int) -> tuple[int | None, int]:
        """The lowest id of the newest ``rows`` rows, and about how many rows are older."""
        row = self.session.execute(
            text(
                f"""
                SELECT (SELECT min(w.id) FROM (
                            SELECT id FROM {self.table} ORDER BY id DESC LIMIT :rows
                        ) w) AS floor,
                       (SELECT min(id) FROM {self.table}) AS first
                """
            ),
            {"rows": rows},
        ).one()
        if row.floor is None or row.first >= row.floor:
            return None, 0  # the window held every row
        # Ids are close to dense (rows are rarely deleted): near the row count.
        return int(row.floor), int(row.floor) - int(row.first)

    def found(self) -> list[_Grouped]:
        return list(self._found.values())

    def _pairs(self) -> list[str]:
        """Word pairs every match must hold: the adjacent words of its quoted phrases."""
        if len(self.query.groups) != 1:
            return []
        phrases = [" ".join(term) for term in self.query.groups[0] if len(term) > 1]
        if not phrases:
            return []
        pairs = self.session.scalar(
            text(
                "SELECT array_agg(DISTINCT p) FROM unnest(CAST(:phrases AS text[])) t(phrase), "
                "unnest(search_pairs(to_tsvector('english', t.phrase))) p"
            ),
            {"phrases": phrases},
        )
        return list(pairs or [])

    def _run(
        self, candidates: str, then: str, extra: dict[str, Any], *, materialized: bool = False
    ) -> None:
        # q is MATERIALIZED so that the query is parsed once: in a prepared
        # statement's generic plan it would otherwise be parsed again for every
        # row checked. Grouped before the team check: one look-up per incident.
        sql = f"""
            WITH q AS MATERIALIZED (
                SELECT websearch_to_tsquery('english', :q) AS query,
                       websearch_to_tsquery('english', :ranked) AS ranked
            ),
            candidates AS {"MATERIALIZED " if materialized else ""}({candidates}),
            hits AS (SELECT d.id, d.incident_id FROM candidates d, q {then}),
            grouped AS (
                SELECT incident_id, count(*) AS matches, max(id) AS doc_id
                FROM hits GROUP BY incident_id
            )
            SELECT g.incident_id, g.matches, g.doc_id, i.id IS NOT NULL AS keep
            FROM grouped g LEFT JOIN incidents i ON i.id = g.incident_id AND {self.clauses}
        """
        values = {
            "q": self.query.websearch(),
            "ranked": self.query.ranking(),
            **self.params,
            **extra,
        }
        values = {name: value for name, value in values.items() if f":{name}" in sql}
        for row in self.session.execute(_typed(text(sql), self.params), values):
            self.count += row.matches
            if not row.keep:
                continue
            entry = self._found.setdefault(row.incident_id, _Grouped(row.incident_id, 0, 0))
            entry.matches += row.matches
            entry.doc_id = max(entry.doc_id, row.doc_id)


def _add_excerpts(
    session: Session, hits: list[Hit], best_docs: dict[int, tuple[str, int]], query: Query
) -> None:
    docs: dict[tuple[str, int], Any] = {}
    for table, columns in (
        ("search_documents", "id, source, body"),
        ("search_messages", "id, 'timeline' AS source, body"),
    ):
        ids = [doc_id for t, doc_id in best_docs.values() if t == table]
        if ids:
            listed = ", ".join(str(int(i)) for i in ids)
            for row in session.execute(
                text(f"SELECT {columns} FROM {table} WHERE id IN ({listed})")
            ):
                docs[(table, row.id)] = row
    for hit in hits:
        doc = docs.get(best_docs[hit.incident_id])
        if doc is None:
            continue
        hit.source = doc.source
        # An incident row matched on its title says nothing new in an excerpt.
        hit.excerpt = excerpt(doc.body, query.words, require_match=doc.source == INCIDENT)


_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_ANGLE = re.compile(r"<([^<>]+)>")
_JSON_NOISE = re.compile(r'[\[\]"]')


def plain(value: str) -> str:
    """Slack markup reduced to readable text: ``<url|label>`` -> label, ``<@U1>`` -> @U1."""
    value = _LINK.sub(r"\2", value)
    value = _ANGLE.sub(r"\1", value)
    return " ".join(_JSON_NOISE.sub(" ", value).split())


def _stem(word: str) -> str:
    """A crude stem for highlighting: enough to match "timeouts" to "timeout"."""
    word = word.lower()
    return word[:5] if len(word) > 5 else word


def excerpt(
    body: str, words: Iterable[str], width: int = 180, *, require_match: bool = False
) -> str:
    """A window of ``body`` around the first query word, with the words in bold."""
    text_ = plain(body)
    stems = {_stem(w) for w in words if w}
    # Only up to the first matching word: postmortems run to thousands of words.
    first = next((t for t in _WORD.finditer(text_) if _stem(t.group()) in stems), None)
    if first is None and require_match:
        return ""
    start = 0
    if first is not None and first.start() > width // 3:
        start = first.start() - width // 3
        start = text_.rfind(" ", 0, start) + 1
    window = text_[start : start + width]
    cut_end = start + width < len(text_)
    if cut_end and " " in window:
        window = window[: window.rfind(" ")]

    def bold(m: re.Match[str]) -> str:
        return f"*{m.group()}*" if _stem(m.group()) in stems else m.group()

    result = _WORD.sub(bold, window)
    return ("…" if start else "") + result + ("…" if cut_end else "")


# Keeping the index healthy -----------------------------------------------------------


def installed(connection: Connection) -> bool:
    if connection.dialect.name == "sqlite":
        found = connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'search_messages_fts'"
        ).scalar()
    else:
        found = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_class WHERE relname = 'search_messages' "
            "AND relnamespace = to_regnamespace(current_schema())"
        ).scalar()
    return bool(found)


def missing_triggers(connection: Connection) -> set[str]:
    migration = _migration()
    expected: set[str] = migration.trigger_names(connection.dialect.name)
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        rows = connection.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    return expected - {row[0] for row in rows}


def repair(database: Database) -> bool:
    """Put back triggers a table rebuild dropped and re-index; True when it had to.

    SQLite drops a table's triggers when a migration rebuilds the table (Alembic
    batch mode), so each start checks and, if needed, rebuilds the index.
    """
    with database.engine.connect() as connection:
        if not installed(connection) or not missing_triggers(connection):
            return False
    log.warning("search triggers were missing; rebuilding the search index")
    reindex(database)
    return True


def _all_triggers(dialect: str) -> list[tuple[str, str]]:
    """(trigger, table) for every trigger that feeds the index, sqlite-utils' included."""
    migration = _migration()
    if dialect == "sqlite":
        fts = [(f"{t}_{s}", t) for t in migration.FTS_TABLES for s in ("ai", "ad", "au")]
        return [(name, "") for name in migration.SQLITE_TRIGGERS] + fts
    return [(name, table) for name, (table, _w, _f) in migration.POSTGRES_TRIGGERS.items()]


def suspend(database: Database) -> None:
    """Stop indexing writes, before a bulk load; ``reindex`` afterwards catches up in bulk.

    Row-by-row indexing costs several times more than one bulk pass, which
    matters when loading years of history at once.
    """
    with database.engine.begin() as connection:
        for name, table in _all_triggers(connection.dialect.name):
            where = f" ON {table}" if connection.dialect.name != "sqlite" else ""
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{where}")


def reindex(database: Database) -> None:
    """Rebuild the whole index from the source tables in bulk, then resume indexing."""
    suspend(database)
    migration, speed = _migration(), _migration(SPEED_REVISION)
    with database.engine.begin() as connection:
        # Building the pair and title indexes once after the load is several
        # times faster than growing them row by row.
        speed.drop_indexes(connection)
        for statement in migration.backfill_statements(connection.dialect.name):
            connection.exec_driver_sql(statement)
        # On SQLite, sqlite-utils finds its sync triggers gone, so it recreates the
        # full-text index and fills it from the documents in one pass.
        migration.install(connection)
        speed.create_indexes(connection)


def optimize(database: Database) -> None:
    """Merge the index after a bulk load, so queries walk one segment, not hundreds."""
    with database.engine.begin() as connection:
        for table in ("search_documents", "search_messages"):
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(
                    f"INSERT INTO {table}_fts ({table}_fts) VALUES ('optimize')"
                )
            else:
                connection.exec_driver_sql(f"ANALYZE {table}")


def _migration(name: str = REVISION) -> Any:
    from storage import migrate  # only here: storage.models imports this module

    script = migrate.ScriptDirectory.from_config(migrate.alembic_config())
    revision = script.get_revision(name)
    assert revision is not None and revision.module is not None
    return revision.module
