"""Search and stats on a large history: 10,000 incidents and 1,000,000 messages.

    python -m bench.analytics                                   # SQLite in a temp dir
    python -m bench.analytics --database-url postgresql://...   # an empty PostgreSQL database
    python -m bench.analytics --incidents 1000 --messages 100000   # a quick run

History is generated with bulk inserts into the migrated schema, with the
search triggers suspended and the index then rebuilt in one pass
(``storage.search.reindex``; ``--per-row`` keeps the triggers on instead, as
in production, at several times the load time). Then it times
``/incident search`` (ranked search plus the details each result shows) and
``/incident stats`` for a quarter and for 90 days (the numbers, and separately
the charts). Targets: search p95 < 50 ms, stats for a quarter < 500 ms.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from config import load_config
from core.analytics import charts, finder, stats
from core.analytics.periods import parse_period
from storage import migrate, search
from storage.db import Database
from storage.models import (
    ActionItem,
    Incident,
    Milestone,
    Postmortem,
    RoleAssignment,
    SlackUser,
    TimelineEvent,
)

TEAM = "TBENCH"
SERVICES = [
    "api", "auth", "billing", "checkout", "database", "search", "payments", "queue", "cdn",
    "email", "exports", "ledger", "mobile", "web", "storage", "cache", "dns", "k8s", "ml", "notify",
]  # fmt: skip
SYMPTOMS = [
    "timeouts", "latency spike", "500 errors", "connection pool exhausted", "disk full",
    "memory leak", "certificate expired", "deadlock", "replica lag", "rate limited",
    "queue backlog", "cache stampede", "dns failure", "oom kills", "slow queries",
    "webhook failures", "login errors", "payment declines", "stale reads", "packet loss",
]  # fmt: skip
CATEGORIES = ["code-change", "configuration", "capacity", "dependency", "infrastructure", ""]
SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV3", "SEV4", "SEV4"]
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC", "America/Los_Angeles"]
CHUNK = 20_000


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    """Plausible technical words plus made-up ones, so frequencies follow a long tail."""
    text = (
        "deploy rollback restart pod node cluster primary replica shard index query latency "
        "error retry backoff timeout alert pager dashboard grafana metrics logs trace span "
        "cpu memory heap gc thread lock mutex socket tls handshake upstream downstream proxy "
        "ingress egress bucket object cache redis kafka consumer producer partition offset "
        "migration schema table row column vacuum analyze autovacuum checkpoint wal fsync "
        "customer users checkout cart order invoice refund subscription plan quota limit "
        "feature flag canary release hotfix patch config secret token key rotation expired"
    )
    base = text.split()
    syllables = ["ka", "lo", "mi", "ne", "ro", "ta", "vu", "zi", "pe", "sha", "dor", "qua"]
    made = {
        "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        for _ in range(size - len(base))
    }
    return base + sorted(made)


def batches(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(database: Database, incidents: int, messages: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    words = vocabulary(rng)
    # Zipf-like over content words (stop words are not indexed-worthy and left out).
    cumulative = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(words))))
    users = [f"UB{n:05d}" for n in range(200)]
    now = datetime.now(UTC)
    span = timedelta(days=730)
    per_incident = max(1, messages // incidents)
    rows: dict[str, int] = {}

    def sentence(n: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cumulative, k=n))

    with database.engine.begin() as connection:
        connection.execute(
            insert(SlackUser),
            [{"user_id": u, "team_id": TEAM, "tz": rng.choice(ZONES)} for u in users],
        )
        incident_rows = []
        for number in range(1, incidents + 1):
            declared = (
                now - span * (1 - number / incidents) - timedelta(minutes=rng.randint(0, 600))
            )
            symptom = rng.choice(SYMPTOMS)
            services = rng.sample(SERVICES, rng.randint(1, 2))
            incident_rows.append(
                {
                    "team_id": TEAM, "number": number, "severity": rng.choice(SEVERITIES),
                    "title": f"{services[0]} {symptom} {sentence(3)}",
                    "description": sentence(12), "status": "closed",
                    "is_private": rng.random() < 0.05,
                    "services": services, "declared_by": rng.choice(users), "declared_at": declared,
                    "channel_id": f"CB{number:07d}", "channel_name": f"inc-{number}",
                    "setup_state": "ready", "summary": f"Fixed by {sentence(8)}",
                    "root_cause_category": rng.choice(CATEGORIES), "tags": [], "customer_tier": "",
                    "users_affected": rng.choice([None, rng.randint(10, 50_000)]),
                }
            )  # fmt: skip
        connection.execute(insert(Incident), incident_rows)
        rows["incidents"] = incidents
        ids = [r[0] for r in connection.exec_driver_sql("SELECT id FROM incidents ORDER BY number")]
        declared_at = {i: row["declared_at"] for i, row in zip(ids, incident_rows, strict=True)}

        def milestone_rows() -> Iterator[dict[str, Any]]:
            for incident_id, at in declared_at.items():
                detect = timedelta(minutes=rng.randint(1, 60))
                yield {"incident_id": incident_id, "kind": "impact_started", "at": at - detect}
                yield {"incident_id": incident_id, "kind": "declared", "at": at}
                ack = at + timedelta(minutes=rng.randint(1, 30))
                yield {"incident_id": incident_id, "kind": "acknowledged", "at": ack}
                yield {"incident_id": incident_id, "kind": "resolved",
                       "at": at + timedelta(minutes=rng.randint(20, 600))}  # fmt: skip

        for batch in batches(milestone_rows()):
            connection.execute(insert(Milestone), batch)
        connection.execute(
            insert(RoleAssignment),
            [
                {"incident_id": i, "role": "incident_commander", "user_id": rng.choice(users),
                 "assigned_by": "UB00000", "assigned_at": at,
                 "ended_at": at + timedelta(hours=rng.randint(1, 8))}
                for i, at in declared_at.items()
            ],
        )  # fmt: skip
        connection.execute(
            insert(ActionItem),
            [
                {"incident_id": i, "text": sentence(6), "created_by": "UB00000",
                 "created_at": at + timedelta(days=1), "status": rng.choice(["open", "done"]),
                 "completed_at": at + timedelta(days=rng.randint(2, 60))}
                for i, at in declared_at.items() for _ in range(2)
            ],
        )  # fmt: skip
        connection.execute(
            insert(Postmortem),
            [
                {"incident_id": i, "version": 1, "content": sentence(300), "status": "final"}
                for i in ids[:: 3]
            ],
        )  # fmt: skip
        started = time.perf_counter()

        def message_rows() -> Iterator[dict[str, Any]]:
            count = 0
            for incident_id, at in declared_at.items():
                for n in range(per_incident):
                    if count >= messages:
                        return
                    count += 1
                    moment = at + timedelta(seconds=45 * n)
                    yield {
                        "incident_id": incident_id, "kind": "message",
                        "channel_id": f"CB{incident_id:07d}", "ts": f"{moment.timestamp():.6f}",
                        "user_id": rng.choice(users), "text": sentence(rng.randint(4, 16)),
                        "data": {}, "occurred_at": moment, "recorded_at": moment,
                        "is_key": False, "categories": [],
                    }  # fmt: skip

        for batch in batches(message_rows()):
            connection.execute(insert(TimelineEvent), batch)
        rows["messages"] = messages
        rows["message_seconds"] = round(time.perf_counter() - started, 1)
    return {"rows": rows, "words": words}


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def queries(words: list[str], rng: random.Random, count: int) -> list[str]:
    common, middle, rare = words[:40], words[40:600], words[600:]
    makers = [
        lambda: rng.choice(common),
        lambda: rng.choice(SYMPTOMS),
        lambda: f"{rng.choice(SERVICES)} {rng.choice(SYMPTOMS)}",
        lambda: f"{rng.choice(middle)} {rng.choice(common)}",
        lambda: rng.choice(rare),
        lambda: f'"{rng.choice(common)} {rng.choice(common)}"',
        lambda: f"{rng.choice(middle)} OR {rng.choice(rare)}",
        lambda: f"{rng.choice(common)} -{rng.choice(common)}",
    ]
    return [rng.choice(makers)() for _ in range(count)]


def kind(words: str) -> str:
    """Which sort of query ``queries`` made: phrases, OR and -word cost differently."""
    if words.startswith('"'):
        return "phrase"
    if " OR " in words:
        return "or"
    if " -" in words:
        return "-word"
    return "words"


def run(url: str, incidents: int, messages: int, searches: int, optimize: bool, bulk: bool) -> None:
    database = Database(url)
    migrate.upgrade(database)
    print(f"database: {database.dialect}")
    started = time.perf_counter()
    if bulk:
        search.suspend(database)
    made = generate(database, incidents, messages)
    print(
        f"generated {made['rows']['incidents']:,} incidents and {made['rows']['messages']:,} "
        f"messages in {time.perf_counter() - started:.0f} s "
        f"(messages: {made['rows']['message_seconds']} s)"
    )
    if bulk:
        started = time.perf_counter()
        search.reindex(database)
        print(f"indexed in bulk in {time.perf_counter() - started:.0f} s")
    if optimize:
        started = time.perf_counter()
        search.optimize(database)
        print(f"index optimized in {time.perf_counter() - started:.1f} s")

    rng = random.Random(11)
    asked = queries(made["words"], rng, searches)
    with database.session() as session:
        finder.find(session, "warm up", TEAM, lambda _i: True)
    times = []
    by_kind: dict[str, list[float]] = {}
    found = 0
    for words in asked:
        with database.session() as session:
            took, results = timed(
                lambda w=words, s=session: finder.find(s, w, TEAM, lambda _i: True), 1
            )
        times += took
        by_kind.setdefault(kind(words), []).extend(took)
        found += bool(results)
    print(f"search ({searches} queries, {found} with results): {summary(times)}")
    for name, took in by_kind.items():
        print(f"  {name} ({len(took)}): {summary(took)}")

    config = load_config(None)
    now = datetime.now(UTC)
    for label in ("quarter", "90d"):
        period = parse_period(label, now)

        def compute(p=period) -> stats.Stats:  # noqa: ANN001
            with database.session() as session:
                return stats.compute(session, TEAM, p, config.severities, config.analytics, now=now)

        took, result = timed(compute, 10)
        print(f"stats {label} ({result.count} incidents): {summary(took)}")
    took, drawn = timed(lambda: charts.all_charts(result, config.severities.keys), 3)
    print(f"charts for 90d ({len(drawn)} PNGs): {summary(took)}")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--no-optimize", action="store_true", help="skip merging the index")
    parser.add_argument(
        "--per-row", action="store_true", help="index while loading, row by row (slower)"
    )
    args = parser.parse_args()
    options = (args.incidents, args.messages, args.searches, not args.no_optimize, not args.per_row)
    if args.database_url:
        run(args.database_url, *options)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", *options)


if __name__ == "__main__":
    main()
