"""Postmortem generation for a long incident, on the template path (no AI).

    python -m bench.postmortem [--messages 10000] [--runs 5] [--database-url URL]

Builds one incident with ``--messages`` channel messages (mentions, links,
pasted secrets, threads; 1% pinned, some :bulb: and :dart:), then times:

- baseline: reading the incident's timeline rows, which any draft must do;
- draft: gathering the facts, rendering the document and the full-log file,
  with redaction (the domain work of ``/incident postmortem``);
- publish: the whole ``generate`` workflow against the Slack emulator over
  HTTP, i.e. the draft plus storing the version, uploading the full log,
  creating the canvas and posting the summary.

Target: the template path for 10,000 messages under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.render import Templates
from bot.services import Services
from bot.slack_client import make_client
from bot.workflows import postmortem as postmortem_flow
from config import EnvSettings, Settings, load_config
from core import incidents, milestones, roles
from core.incidents import DeclareRequest
from core.postmortem.document import Draft, render, render_log
from core.postmortem.facts import gather
from emulator import SlackEmulator
from storage import migrate
from storage.db import Database
from storage.models import Incident, SlackUser, TimelineEvent
from storage.types import utcnow

USERS = {"UALICE": "Alice Adams", "UBOB": "Bob Brown", "UCAROL": "Carol Chen", "UDAN": "Dan Diaz"}
LINES = (
    "checking the checkout pods, p99 is {n} ms",
    "<@UBOB> can you look at <https://grafana.example.com/d/{n}|the pool dashboard>?",
    "pasted: password=hunter{n} token xoxb-{n}-abcdefghijkl from ops@example.com",
    "rolled back pricing to v{n}; error rate dropping",
    "customer on +1 415 555 {n:04d} says retries fail",
)


def build(database: Database, messages: int, channel_id: str) -> int:
    config = load_config(None)
    incident = incidents.open_incident(
        database,
        DeclareRequest(team_id="T0BENCH", title="Checkout down", declared_by="UALICE"),
        config.severities,
    )
    start = incident.declared_at
    with database.session() as session:
        row = session.get_one(Incident, incident.id)
        row.channel_id, row.channel_name = channel_id, "inc-1-checkout-down"
        for user_id, name in USERS.items():
            session.add(SlackUser(user_id=user_id, real_name=name))
        roles.assign(session, row, "ops_lead", "UBOB", "UALICE")
        milestones.set_milestone(session, row, "impact_started", start - timedelta(minutes=5), None)
        milestones.set_milestone(session, row, "resolved", start + timedelta(hours=6), "UALICE")
    users = list(USERS)
    rows = [
        {
            "incident_id": incident.id,
            "kind": "reply" if n % 7 == 0 else "message",
            "channel_id": channel_id,
            "ts": f"{1700000000 + n}.000100",
            "thread_ts": f"{1700000000 + n - 1}.000100" if n % 7 == 0 else None,
            "user_id": users[n % len(users)],
            "text": LINES[n % len(LINES)].format(n=n % 10000),
            "data": {},
            "occurred_at": start + timedelta(seconds=2 * n),
            "recorded_at": start + timedelta(seconds=2 * n),
            "is_key": n % 100 == 0,
            "categories": ["insight"] if n % 500 == 0 else ["action_item"] if n % 2500 == 1 else [],
        }
        for n in range(messages)
    ]
    with database.session() as session:
        for chunk in range(0, len(rows), 2000):
            session.execute(insert(TimelineEvent), rows[chunk : chunk + 2000])
    return incident.id


def timed(runs: int, work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return times


def report(name: str, times: list[float]) -> None:
    print(
        f"{name:<9} median {statistics.median(times) * 1000:8.1f} ms   "
        f"min {min(times) * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, SlackEmulator(bot_token="xoxb-bench") as slack:
        for user_id, name in USERS.items():
            slack.add_user(user_id, name=name.split()[0].lower(), real_name=name)
        channel_id = slack.add_channel("inc-1-checkout-down", members=list(USERS))
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        database = Database(url)
        migrate.upgrade(database)
        env = EnvSettings.from_environ(
            {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": slack.api_url, "DATABASE_URL": url}
        )
        services = Services(Settings(env, load_config(None)), database, Templates())
        client = make_client(env)
        incident_id = build(database, args.messages, channel_id)
        print(f"{args.messages} messages on {database.dialect}, {args.runs} runs each")

        def baseline() -> object:
            with database.session() as session:
                return session.execute(
                    select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
                ).all()

        def draft() -> object:
            with database.session() as session:
                facts = gather(session, session.get_one(Incident, incident_id))
            document = render(
                services.templates, facts, Draft(1, utcnow(), log_inline=False, log_link="x")
            )
            return document, render_log(services.templates, facts)

        def publish() -> object:
            return postmortem_flow.generate(services, client, incident_id, "UALICE")

        report("baseline", timed(args.runs, baseline))
        report("draft", timed(args.runs, draft))
        report("publish", timed(args.runs, publish))
        database.dispose()


if __name__ == "__main__":
    main()
