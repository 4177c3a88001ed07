"""Claude drafts the narrative parts of a postmortem; our template keeps the structure.

What goes out: the incident's fields and its timeline, redacted, as JSON inside
a delimited data block that the system prompt declares to be quoted material,
never instructions. What comes back: a JSON object whose named fields we
validate, clip and strip of headings before the template places them. A
message that says "ignore previous instructions" can at worst change the words
in a field, never the sections of the document.

Long incidents are summarized chunk by chunk, and everything sent stays within
a configured token budget (estimated from characters, which errs high).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from config.postmortem import AIConfig
from core.postmortem.facts import Facts
from core.postmortem.redact import redact_counted
from core.postmortem.text import inert, one_line, safe_block

CHARS_PER_TOKEN = 3.5
MESSAGE_LIMIT = 1500  # characters of one message sent to the model
SUMMARY_TOKENS = 800  # the longest summary a chunk may produce
HEADER_TOKENS = 400  # prompt words around each request's data

# Narrative fields the model may fill: name -> (is a list, item or text limit, max items).
FIELDS: dict[str, tuple[bool, int, int]] = {
    "summary": (False, 1500, 1),
    "narrative": (False, 6000, 1),
    "impact": (False, 2000, 1),
    "contributing_factors": (True, 600, 10),
    "root_cause": (False, 2000, 1),
    "five_whys": (True, 500, 5),
    "went_well": (True, 500, 10),
    "went_wrong": (True, 500, 10),
    "lucky": (True, 500, 10),
    "insights": (True, 500, 10),
    "action_items": (True, 300, 10),
}


class Renderer(Protocol):
    def text(self, name: str, **context: Any) -> str: ...


class AIUnavailable(Exception):
    """The AI draft could not be made; ``str()`` says why, in words for the channel."""


@dataclass
class Narrative:
    fields: dict[str, Any]
    model: str
    requests: int
    omitted: int  # messages left out to stay within the budget
    redactions: Counter[str] = field(default_factory=Counter)


@dataclass
class Request:
    """One call as sent, kept for the budget check and for tests."""

    system: str
    content: str

    @property
    def tokens(self) -> int:
        return estimate(self.system) + estimate(self.content)


Send = Callable[[Request, int], str]  # (request, max_tokens) -> the model's text


def estimate(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def data_block(value: Any) -> str:
    """JSON that cannot close the surrounding delimiter: ``<`` and ``>`` are escaped."""
    return (
        json.dumps(value, ensure_ascii=False, indent=None, default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
    )


def incident_record(facts: Facts, counts: Counter[str]) -> dict[str, Any]:
    def clean(text: str) -> str:
        return redact_counted(text, counts).text

    return {
        "reference": facts.reference,
        "title": clean(facts.title),
        "description": clean(facts.description),
        "severity": facts.severity,
        "status": facts.status,
        "services": facts.services,
        "resolution_summary": clean(facts.summary),
        "impact": {
            "users_affected": facts.users_affected,
            "customer_tier": facts.customer_tier,
            "revenue_impact": facts.revenue_impact,
            "support_tickets": facts.support_tickets,
        },
        "milestones_utc": {k: v.isoformat() for k, v in facts.milestones.items()},
        "durations": {m.label: m.text for m in facts.measures.values()},
        "roles": [
            {
                "role": r.label,
                "person": r.name,
                "from": r.assigned_at.isoformat(),
                "until": r.ended_at.isoformat() if r.ended_at else None,
            }
            for r in facts.roles
        ],
        "status_updates": [
            {
                "at": u.at.isoformat(),
                "status": u.status,
                "happening": clean(u.happening),
                "impact": clean(u.impact),
                "actions": clean(u.actions),
            }
            for u in facts.updates
        ],
        "action_items": [
            {"text": clean(i.text), "owner": i.owner, "status": i.status}
            for i in facts.action_items
        ],
    }


def timeline_records(facts: Facts, counts: Counter[str]) -> list[dict[str, Any]]:
    records = []
    for event in facts.events:
        text = redact_counted(one_line(event.text, MESSAGE_LIMIT), counts).text
        record: dict[str, Any] = {
            "at": event.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "by": event.author,
            "kind": event.kind,
            "text": text,
        }
        if event.is_key:
            record["key"] = True
        if event.categories:
            record["tags"] = list(event.categories)
        records.append(record)
    return records


def _priority(record: dict[str, Any]) -> bool:
    return bool(record.get("key") or record.get("tags") or record["kind"] in {"system", "update"})


def fit(records: list[dict[str, Any]], space: int) -> tuple[list[dict[str, Any]], int]:
    """Keep key and tagged records, then as many others as fit, evenly spread over time."""
    sizes = [estimate(data_block(r)) + 1 for r in records]
    if sum(sizes) <= space:
        return records, 0
    keep = {i for i, r in enumerate(records) if _priority(r)}
    used = sum(sizes[i] for i in keep)
    if used > space:  # even the key events overflow: keep the earliest that fit
        kept, used = set(), 0
        for i in sorted(keep):
            if used + sizes[i] <= space:
                kept.add(i)
                used += sizes[i]
        keep = kept
    others = [i for i in range(len(records)) if i not in keep and not _priority(records[i])]
    room = space - used
    if others and room > 0:
        average = sum(sizes[i] for i in others) / len(others)
        wanted = min(len(others), int(room / average))
        step = len(others) / wanted if wanted else 0
        for n in range(wanted):
            i = others[int(n * step)]
            if used + sizes[i] <= space:
                keep.add(i)
                used += sizes[i]
    chosen = [records[i] for i in sorted(keep)]
    return chosen, len(records) - len(chosen)


def chunks(records: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = [[]]
    used = 0
    for record in records:
        tokens = estimate(data_block(record)) + 1
        if out[-1] and used + tokens > size:
            out.append([])
            used = 0
        out[-1].append(record)
        used += tokens
    return out


class Drafter:
    """Plans the requests for one incident within the budget and sends them through ``send``."""

    def __init__(self, config: AIConfig, templates: Renderer, send: Send) -> None:
        self.config = config
        self.templates = templates
        self.send = send
        self.sent: list[Request] = []

    def draft(self, facts: Facts) -> Narrative:
        counts: Counter[str] = Counter()
        incident = incident_record(facts, counts)
        records = timeline_records(facts, counts)
        system = self.templates.text("postmortem/ai_system.txt.j2")
        fixed = estimate(system) + estimate(data_block(incident)) + HEADER_TOKENS
        budget = self.config.token_budget
        whole = sum(estimate(data_block(r)) + 1 for r in records)
        if fixed + whole <= min(self.config.chunk_tokens, budget):
            return self._final(system, incident, records, None, 0, counts)
        per_chunk = self.config.chunk_tokens - estimate(system) - HEADER_TOKENS
        if per_chunk < 200:
            raise AIUnavailable("the configured chunk size is too small for the prompt")
        count, space = self._plan(fixed, estimate(system), per_chunk, whole)
        if space <= 0:
            raise AIUnavailable("the token budget is too small for this incident")
        while True:  # greedy packing may need one chunk more than planned: trim until it fits
            chosen, omitted = fit(records, space)
            parts = chunks(chosen, per_chunk)
            if len(parts) <= count or space <= per_chunk // 4:
                break
            space -= per_chunk // 4
        summaries = [
            self._summarize(system, facts, part, n, len(parts))
            for n, part in enumerate(parts, start=1)
        ]
        return self._final(system, incident, None, summaries, omitted, counts)

    def _plan(self, fixed: int, system: int, per_chunk: int, whole: int) -> tuple[int, int]:
        """How many chunks carry the most timeline within the budget, and how much that is.

        Each chunk costs its own prompt and one summary in the final request, so
        more chunks are not always more room.
        """
        best = (1, 0)
        for count in range(1, max(1, math.ceil(whole / per_chunk)) + 1):
            space = (
                self.config.token_budget - fixed - count * (SUMMARY_TOKENS + system + HEADER_TOKENS)
            )
            usable = min(space, count * per_chunk)
            if usable > best[1]:
                best = (count, usable)
        return best

    def _summarize(
        self, system: str, facts: Facts, part: list[dict[str, Any]], number: int, total: int
    ) -> dict[str, Any]:
        content = self.templates.text(
            "postmortem/ai_chunk.txt.j2",
            reference=facts.reference,
            number=number,
            total=total,
            first=part[0]["at"],
            last=part[-1]["at"],
            data=data_block(part),
        )
        text = self._call(Request(system, content), SUMMARY_TOKENS)
        summary = redact_counted(safe_block(text, SUMMARY_TOKENS * 4)).text
        return {"part": number, "from": part[0]["at"], "to": part[-1]["at"], "summary": summary}

    def _final(
        self,
        system: str,
        incident: dict[str, Any],
        records: list[dict[str, Any]] | None,
        summaries: list[dict[str, Any]] | None,
        omitted: int,
        counts: Counter[str],
    ) -> Narrative:
        payload: dict[str, Any] = {"incident": incident}
        if records is not None:
            payload["timeline"] = records
        if summaries is not None:
            payload["timeline_summaries"] = summaries
        content = self.templates.text(
            "postmortem/ai_request.txt.j2",
            data=data_block(payload),
            fields=FIELDS,
            chunked=summaries is not None,
            omitted=omitted,
        )
        text = self._call(Request(system, content), self.config.max_output_tokens)
        return Narrative(
            fields=parse(text),
            model=self.config.model,
            requests=len(self.sent),
            omitted=omitted,
            redactions=counts,
        )

    def _call(self, request: Request, max_tokens: int) -> str:
        self.sent.append(request)
        return self.send(request, max_tokens)


def parse(text: str) -> dict[str, Any]:
    """The model's JSON answer reduced to the known fields, each clipped and made safe."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise AIUnavailable("the AI answer was not the JSON object that was asked for")
    try:
        raw = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise AIUnavailable("the AI answer was not valid JSON") from exc
    if not isinstance(raw, dict):
        raise AIUnavailable("the AI answer was not a JSON object")
    fields: dict[str, Any] = {}
    for name, (is_list, limit, most) in FIELDS.items():
        value = raw.get(name)
        if is_list:
            items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
            cleaned = [_clean(str(v), limit, single=True) for v in items if isinstance(v, str)]
            cleaned = [c for c in cleaned if c][:most]
            if cleaned:
                fields[name] = cleaned
        elif isinstance(value, str) and value.strip():
            fields[name] = _clean(value, limit, single=False)
    if not fields:
        raise AIUnavailable("the AI answer filled none of the postmortem's sections")
    return fields


_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _clean(text: str, limit: int, *, single: bool) -> str:
    """A model's field as our template may place it: redacted, clipped, no links or HTML."""
    text = redact_counted(text).text
    if single:
        return inert(one_line(_BULLET.sub("", text), limit))
    return inert(safe_block(text, limit))


def anthropic_sender(config: AIConfig, api_key: str, base_url: str = "") -> Send:
    """A ``Send`` through the official SDK; errors become ``AIUnavailable``."""
    # Imported here: the SDK takes over a second to import, which every
    # `sitrep` command would otherwise pay even with AI switched off.
    import anthropic

    client = anthropic.Anthropic(
        api_key=api_key,
        base_url=base_url or None,
        timeout=config.timeout.total_seconds(),
        max_retries=config.max_retries,
    )

    def send(request: Request, max_tokens: int) -> str:
        try:
            message = client.messages.create(
                model=config.model,
                max_tokens=max_tokens,
                system=request.system,
                messages=[{"role": "user", "content": request.content}],
            )
        except anthropic.APITimeoutError as exc:
            seconds = config.timeout.total_seconds()
            raise AIUnavailable(f"the AI service did not answer within {seconds:g}s") from exc
        except anthropic.APIStatusError as exc:
            raise AIUnavailable(f"the AI service answered with HTTP {exc.status_code}") from exc
        except anthropic.APIError as exc:
            raise AIUnavailable(
                f"the AI service could not be reached ({type(exc).__name__})"
            ) from exc
        text = "".join(
            getattr(block, "text", "") for block in message.content if block.type == "text"
        )
        if not text.strip():
            raise AIUnavailable("the AI service sent an empty answer")
        return text

    return send
