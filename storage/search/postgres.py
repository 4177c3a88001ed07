"""The PostgreSQL backend: ``tsvector`` columns with GIN indexes, fed by triggers.

A GIN index returns matches in no useful order, so "the newest matches" is
read in bounded passes (see ``newest`` and ``Walk``). Migration
``0009_search_speed`` adds the word-pair and title indexes that keep phrases
and title ranking fast. The SQL shapes here were tuned on the benchmark
(``docs/benchmarks.md``); each leaves the planner one plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from storage.search.index import POOL, TIMELINE, Walk, typed
from storage.search.query import Query

# Checking the next row while walking the primary key backwards costs about
# 0.5 µs; fetching a row the GIN index pointed at, from a page outside
# PostgreSQL's buffers, about 6 µs (measured on the benchmark). Walking 17,000
# rows or fetching 1,500 costs under 10 ms.
WALK_COST, FETCH_COST = 1.0, 12.0
MESSAGE_WALK = Walk(window=2_000, further=15_000, fetch=1_500)
# Postmortems are long and their documents stored out of line: reading one to
# check it costs more than the index answering for all of them.
DOCUMENT_WALK = Walk(window=0, further=0)


def titles(session: Session, query: Query, clauses: str, params: dict[str, Any]) -> list[Any]:
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
            FROM titled t JOIN incidents i ON i.id = t.incident_id, q
            WHERE t.document @@ q.query AND {clauses}
            ORDER BY score DESC LIMIT :pool
        )
        SELECT h.incident_id, h.score AS best, h.id AS doc_id
        FROM hits h
        WHERE h.score > 0
    """
    statement = typed(text(sql), params)
    values = {
        "q": query.websearch(),
        "ranked": query.ranking(),
        "any": " or ".join(f'"{w}"' for w in query.words),
        "pool": POOL,
        **params,
    }
    return list(session.execute(statement, values))


@dataclass
class _Grouped:
    incident_id: int
    matches: int
    doc_id: int


def newest(
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
        self.count = 0  # matches found that pass the filters
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
        # row checked. The team, exclusion and date filters apply before the
        # LIMIT, so another team's matches can never take this team's places.
        sql = f"""
            WITH q AS MATERIALIZED (
                SELECT websearch_to_tsquery('english', :q) AS query,
                       websearch_to_tsquery('english', :ranked) AS ranked
            ),
            candidates AS {"MATERIALIZED " if materialized else ""}({candidates}),
            hits AS (
                SELECT d.id, d.incident_id
                FROM candidates d JOIN incidents i ON i.id = d.incident_id AND {self.clauses}, q
                {then}
            )
            SELECT incident_id, count(*) AS matches, max(id) AS doc_id
            FROM hits GROUP BY incident_id
        """
        values = {
            "q": self.query.websearch(),
            "ranked": self.query.ranking(),
            **self.params,
            **extra,
        }
        values = {name: value for name, value in values.items() if f":{name}" in sql}
        for row in self.session.execute(typed(text(sql), self.params), values):
            self.count += row.matches
            entry = self._found.setdefault(row.incident_id, _Grouped(row.incident_id, 0, 0))
            entry.matches += row.matches
            entry.doc_id = max(entry.doc_id, row.doc_id)


def installed(connection: Connection) -> bool:
    found = connection.exec_driver_sql(
        "SELECT count(*) FROM pg_class WHERE relname = 'search_messages' "
        "AND relnamespace = to_regnamespace(current_schema())"
    ).scalar()
    return bool(found)


def triggers(connection: Connection) -> set[str]:
    rows = connection.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    return {row[0] for row in rows}


def drop_triggers(connection: Connection, migration: ModuleType) -> None:
    """Drop every trigger that feeds the index."""
    for name, (table, _w, _f) in migration.POSTGRES_TRIGGERS.items():
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def optimize(connection: Connection) -> None:
    """Refresh the planner's statistics: GIN indexes need no merging."""
    for table in ("search_documents", "search_messages"):
        connection.exec_driver_sql(f"ANALYZE {table}")
