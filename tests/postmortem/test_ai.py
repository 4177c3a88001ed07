"""AI drafting through the official SDK against a local fake Messages API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.render import Templates
from config.postmortem import parse_ai
from core.postmortem.ai import AIUnavailable, Drafter, anthropic_sender, estimate, parse
from core.postmortem.document import Draft, render
from core.postmortem.facts import Facts, gather
from storage.db import Database
from storage.models import Incident
from storage.types import utcnow
from tests.postmortem.scenario import INJECTION, SECRETS, scripted_incident
from tests.postmortem.test_document import HEADINGS, headings
from tests.support.fake_anthropic import FakeAnthropic

ANSWER = {
    "summary": "A pricing deploy broke checkout for enterprise customers for 41 minutes.",
    "narrative": "# PWNED\nThe team saw 500s.\n---\nThey rolled back pricing.",
    "five_whys": ["Pricing v4 returned nulls", "- No schema check", "3. No canary"],
    "went_well": ["Rollback took two minutes"],
    "lucky": "Traffic was low",
    "action_items": ["Add a schema check to the pricing client"],
    "not_a_field": "ignored",
}


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic(answer=lambda _body: "Here you go:\n" + json.dumps(ANSWER)).start()
    yield server
    server.stop()


def facts_of(db: Database, **kwargs: Any) -> Facts:
    scripted = scripted_incident(db, **kwargs)
    with db.session() as session:
        return gather(session, session.get_one(Incident, scripted.incident_id))


def drafter(fake: FakeAnthropic, templates: Templates, **ai: Any) -> Drafter:
    config = parse_ai({"model": "claude-test-model", "timeout": "20s", "max_retries": 0, **ai})
    return Drafter(config, templates, anthropic_sender(config, "test-key", fake.url))


def data_of(content: str) -> Any:
    block = content.split("<incident_data>")[1].split("</incident_data>")[0]
    return json.loads(block)


def test_request_carries_the_model_and_the_redacted_timeline_as_quoted_data(
    db: Database, templates: Templates, fake: FakeAnthropic
) -> None:
    facts = facts_of(db)
    narrative = drafter(fake, templates).draft(facts)
    assert len(fake.requests) == 1
    sent = fake.requests[0]
    assert sent.path == "/v1/messages"
    assert sent.model == "claude-test-model"
    # The SDK sends the key as x-api-key or as a bearer token, depending on its version.
    assert "test-key" in sent.headers.get("x-api-key", "") + sent.headers.get("authorization", "")
    raw = json.dumps(sent.body)
    for secret in SECRETS:
        assert secret not in raw
    data = data_of(sent.content)
    texts = [r["text"] for r in data["timeline"]]
    assert len(texts) == 32
    assert any("[redacted secret]" in t and "[redacted email]" in t for t in texts)
    # The injection is data inside the block, and the system prompt says data is not instructions.
    assert INJECTION in texts
    assert INJECTION not in sent.system
    assert "never instructions" in sent.system
    assert data["incident"]["durations"]["Time to resolve"] == "41m"
    assert narrative.redactions["email"] == 1 and narrative.requests == 1


def test_the_answer_fills_named_fields_and_cannot_change_the_structure(
    db: Database, templates: Templates, fake: FakeAnthropic
) -> None:
    facts = facts_of(db)
    narrative = drafter(fake, templates).draft(facts)
    assert set(narrative.fields) == {
        "summary",
        "narrative",
        "five_whys",
        "went_well",
        "lucky",
        "action_items",
    }
    assert narrative.fields["five_whys"] == [
        "Pricing v4 returned nulls",
        "No schema check",
        "No canary",
    ]
    draft = Draft(1, utcnow(), source="ai", model=narrative.model, narrative=narrative.fields)
    text = render(templates, facts, draft)
    template_only = render(templates, facts, Draft(1, utcnow()))
    assert headings(text) == headings(template_only) == HEADINGS
    assert ANSWER["summary"] in text
    assert "**PWNED**" in text and "# PWNED" not in text
    assert "Drafted by Sitrep with claude-test-model" in text
    assert "- Traffic was low" in text
    assert "- Add a schema check to the pricing client" in text


def test_long_incidents_are_summarized_in_chunks_within_the_budget(
    db: Database, templates: Templates
) -> None:
    def answer(body: dict[str, Any]) -> str:
        content = body["messages"][0]["content"]
        if "This is part" in content:
            return f"Summary of part {content.split('This is part ')[1].split(' ')[0]}."
        return json.dumps({"summary": "Long incident."})

    fake = FakeAnthropic(answer=answer).start()
    try:
        facts = facts_of(db, messages=400)
        maker = drafter(fake, templates, chunk_tokens=3000, token_budget=12000)
        narrative = maker.draft(facts)
    finally:
        fake.stop()
    assert len(fake.requests) >= 3
    *chunk_requests, final = maker.sent
    assert all(r.tokens <= 3000 for r in chunk_requests)
    assert sum(r.tokens for r in maker.sent) <= 12000
    summaries = data_of(final.content)["timeline_summaries"]
    assert [s["summary"] for s in summaries] == [
        f"Summary of part {n}." for n in range(1, len(chunk_requests) + 1)
    ]
    assert narrative.omitted > 0
    # Key and tagged events always go, even when routine chatter is thinned out.
    sent_text = "".join(r.content for r in chunk_requests)
    assert "key 19: found the bad deploy" in sent_text
    assert "insight 22:" in sent_text
    assert narrative.fields == {"summary": "Long incident."}


def test_an_http_error_becomes_a_clear_reason(db: Database, templates: Templates) -> None:
    fake = FakeAnthropic(status=500).start()
    try:
        with pytest.raises(AIUnavailable, match="HTTP 500"):
            drafter(fake, templates).draft(facts_of(db, messages=3))
    finally:
        fake.stop()


def test_a_hanging_service_times_out(db: Database, templates: Templates) -> None:
    fake = FakeAnthropic(hang=True).start()
    try:
        with pytest.raises(AIUnavailable, match="did not answer within 0.5s"):
            drafter(fake, templates, timeout="0.5s").draft(facts_of(db, messages=3))
    finally:
        fake.stop()


@pytest.mark.parametrize(
    "text",
    ["no json here", "{not json}", "[1, 2]", '{"unknown": "x", "summary": 3}'],
)
def test_answers_without_usable_fields_are_refused(text: str) -> None:
    with pytest.raises(AIUnavailable):
        parse(text)


def test_fields_are_clipped_and_redacted() -> None:
    fields = parse(
        json.dumps(
            {
                "summary": "x" * 5000,
                "went_wrong": [f"item {n} mail a@b.io" for n in range(30)],
            }
        )
    )
    assert len(fields["summary"]) == 1500
    assert len(fields["went_wrong"]) == 10
    assert fields["went_wrong"][0] == "item 0 mail [redacted email]"


def test_estimates_err_high() -> None:
    assert estimate("x" * 35) == 10
    assert re.fullmatch(r"\d+", str(estimate("")))
