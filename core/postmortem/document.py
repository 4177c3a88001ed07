"""The postmortem as Markdown, rendered from ``templates/postmortem/``.

The template owns the structure; facts fill it, and AI narrative (when there
is one) only fills named fields that the template places. Without AI the
same sections carry prompts for the people who finish the draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.postmortem.ai import Renderer
from core.postmortem.facts import Facts
from core.postmortem.redact import redact

DOCUMENT = "postmortem/document.md.j2"
FULL_LOG = "postmortem/full_log.md.j2"


@dataclass
class Draft:
    """What a generation decided, before it is rendered."""

    version: int
    generated_at: datetime
    source: str = "template"  # or "ai"
    model: str = ""
    narrative: dict[str, Any] = field(default_factory=dict)
    notice: str = ""
    log_inline: bool = True
    log_link: str | None = None  # the attached full log, when it is not inline
    omitted: int = 0  # messages the AI did not see, to stay in budget


def render(templates: Renderer, facts: Facts, draft: Draft, *, redacted: bool = True) -> str:
    text = templates.text(DOCUMENT, facts=facts, m=facts.measures, draft=draft, n=draft.narrative)
    return (redact(text) if redacted else text) + "\n"


# What the full log says after an author, by kind of entry.
KIND_NOTES = {"update": " (status update)", "note": " (note)", "bot_message": " (integration)"}


def render_log(templates: Renderer, facts: Facts, *, redacted: bool = True) -> str:
    text = templates.text(FULL_LOG, facts=facts, KIND_NOTES=KIND_NOTES)
    return (redact(text) if redacted else text) + "\n"
