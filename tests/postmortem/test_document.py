"""Facts gathered from the database, and the template-only document built from them."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.render import Templates
from core.postmortem.document import Draft, render, render_log
from core.postmortem.facts import gather
from storage.db import Database
from storage.models import Incident, TimelineEvent
from storage.types import utcnow
from tests.postmortem.scenario import NAMES, SECRETS, scripted_incident

HEADINGS = [
    "Summary",
    "Impact",
    "Timeline",
    "Key events",
    "What happened",
    "Full log",
    "Contributing factors and root cause",
    "Contributing factors",
    "Root cause",
    "Five whys",
    "What went well",
    "What went wrong",
    "Where we got lucky",
    "Product and customer insights",
    "Action items",
    "Suggested, not yet tracked",
    "Participants and roles",
    "Roles",
    "Participants",
    "Metrics",
]


def headings(markdown: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^#{2,3} (.+)$", markdown, re.M)]


def facts_of(db: Database, incident_id: int):  # noqa: ANN201
    with db.session() as session:
        return gather(session, session.get_one(Incident, incident_id))


def test_facts_put_key_events_first_in_time_order(db: Database) -> None:
    scripted = scripted_incident(db)
    facts = facts_of(db, scripted.incident_id)
    assert len(facts.events) == 30 + 2  # messages, declared, resolved
    key = [e.text for e in facts.key_events]
    assert key[0].startswith("Declared as SEV2")
    assert [t for t in key if t.startswith("key ")] == scripted.key_texts
    assert key[-1].startswith("Resolved by @Alice Adams")
    assert [e.text for e in facts.insights] == scripted.insight_texts
    assert [e.text for e in facts.suggested_items] == [
        "we need an alert on the connection pool saturation"
    ]
    assert facts.current_roles == {
        "Incident Commander": "Alice Adams",
        "Ops Lead": "Bob Brown",
        "Comms Lead": "Carol Chen",
    }
    assert [(p.name, p.messages) for p in facts.participants] == [
        (NAMES["UALICE"], 10),
        (NAMES["UBOB"], 10),
        (NAMES["UCAROL"], 10),
    ]
    assert {k: m.text for k, m in facts.measures.items()} == {
        "time_to_detect": "9m",
        "time_to_acknowledge": "2m",
        "time_to_mitigate": "20m",
        "time_to_resolve": "41m",
        "impact_duration": "50m",
    }
    assert [(i.text, i.owner, i.status) for i in facts.action_items] == [
        ("Add a canary stage to the pricing deploy", "Bob Brown", "open")
    ]


def test_deleted_messages_stay_out(db: Database) -> None:
    scripted = scripted_incident(db, messages=3)
    with db.session() as session:
        session.add(
            TimelineEvent(
                incident_id=scripted.incident_id,
                kind="message",
                channel_id="CINC1",
                ts="9.1",
                user_id="UBOB",
                text="",
                deleted_at=utcnow(),
                deleted_by="UBOB",
                occurred_at=scripted.declared_at + timedelta(minutes=1),
            )
        )
    assert len(facts_of(db, scripted.incident_id).events) == 3 + 2


def test_template_document_holds_every_section_and_fact(db: Database, templates: Templates) -> None:
    scripted = scripted_incident(db)
    facts = facts_of(db, scripted.incident_id)
    text = render(templates, facts, Draft(version=3, generated_at=utcnow()))
    assert headings(text) == HEADINGS
    assert "# INC-1 postmortem: Checkout API returning 500s" in text
    assert "**Version 3**" in text
    key_section = text.split("### Key events")[1].split("### What happened")[0]
    positions = [key_section.index(t) for t in scripted.key_texts]
    assert positions == sorted(positions)
    assert "**Bob Brown**: key 4: found the bad deploy" in key_section
    assert re.search(r"`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC` \*\*Bob Brown\*\*: key 4", key_section)
    for line in (
        "**Duration (impact start to resolve):** 50m",
        "**Users affected:** 1200",
        "**Customer tier:** enterprise",
        "**Revenue impact:** 4,200.00",
        "**Support tickets:** 14",
        "**Services:** checkout, payments",
        "**Time to detect:** 9m",
        "**Time to acknowledge:** 2m",
        "**Time to mitigate:** 20m",
        "**Time to resolve:** 41m",
        "**Ops Lead:** Bob Brown",
        "**Comms Lead:** Carol Chen",
        "- [ ] Add a canary stage to the pricing deploy · owner: Bob Brown · due: 2030-01-15 · "
        "status: open · P1",
        "- we need an alert on the connection pool saturation",
    ):
        assert line in text, line
    insights = text.split("## Product and customer insights")[1].split("## Action items")[0]
    assert all(t in insights for t in scripted.insight_texts)
    assert "1. _Why did the incident happen?_" in text  # the five-whys scaffold
    full_log = text.split("### Full log")[1].split("## Contributing")[0]
    assert "32 entries" in full_log and full_log.count("\n- `") == 32


def test_secrets_never_reach_the_document(db: Database, templates: Templates) -> None:
    scripted = scripted_incident(db)
    text = render(templates, facts_of(db, scripted.incident_id), Draft(1, utcnow()))
    for secret in SECRETS:
        assert secret not in text
    assert "[redacted email]" in text and "[redacted card]" in text


def test_a_long_log_is_linked_instead_of_inlined(db: Database, templates: Templates) -> None:
    scripted = scripted_incident(db)
    facts = facts_of(db, scripted.incident_id)
    draft = Draft(1, utcnow(), log_inline=False, log_link="https://files.example/log.md")
    text = render(templates, facts, draft)
    assert "[INC-1 full timeline](https://files.example/log.md)" in text
    assert "message 0:" not in text
    log = render_log(templates, facts)
    assert log.count("\n- `") == 32 and "message 0:" in log and "hunter22" not in log


def test_an_operator_template_replaces_ours(db: Database, tmp_path: Path) -> None:
    scripted = scripted_incident(db, messages=2)
    folder = tmp_path / "postmortem"
    folder.mkdir()
    (folder / "document.md.j2").write_text(
        "# Our format for {{ facts.reference }}\nTTR {{ m.time_to_resolve.text }}\n"
    )
    text = render(Templates(tmp_path), facts_of(db, scripted.incident_id), Draft(1, utcnow()))
    assert text == "# Our format for INC-1\nTTR 41m\n"
