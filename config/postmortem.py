"""Postmortem drafts: when they are made, when they are due, and how AI may help."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from config.values import (
    ConfigError,
    optional_str,
    parse_duration,
    require_bool,
    require_int,
    require_mapping,
)

DEFAULT_MODEL = "claude-sonnet-4-5"
KNOWN_KEYS = {
    "auto_on_resolve",
    "draft_due",
    "final_due",
    "reminders",
    "redact_document",
    "inline_log_limit",
    "ai",
}
KNOWN_AI_KEYS = {
    "enabled",
    "model",
    "timeout",
    "max_retries",
    "token_budget",
    "chunk_tokens",
    "max_output_tokens",
    "include_private",
}


@dataclass(frozen=True)
class AIConfig:
    enabled: bool
    model: str
    timeout: timedelta
    max_retries: int
    token_budget: int  # input tokens for one draft, all requests together
    chunk_tokens: int  # the most timeline one request may carry
    max_output_tokens: int
    include_private: bool


@dataclass(frozen=True)
class PostmortemConfig:
    auto_on_resolve: bool
    draft_due: timedelta | None
    final_due: timedelta | None
    reminders: bool
    redact_document: bool
    # A longer timeline goes into an attached file instead of the document itself.
    inline_log_limit: int
    ai: AIConfig


def _unknown(section: dict[str, Any], known: set[str], prefix: str) -> None:
    extra = sorted(set(section) - known)
    if extra:
        raise ConfigError(
            f"{prefix}.{extra[0]}", f"is not a known setting (known: {', '.join(sorted(known))})"
        )


def parse_ai(raw: Any) -> AIConfig:
    section = require_mapping(raw, "postmortem.ai")
    _unknown(section, KNOWN_AI_KEYS, "postmortem.ai")
    timeout = parse_duration(section.get("timeout", "60s"), "postmortem.ai.timeout")
    assert timeout is not None
    model = optional_str(section, "model", "postmortem.ai.model", DEFAULT_MODEL).strip()
    if not model:
        raise ConfigError("postmortem.ai.model", "name a model, e.g. " + DEFAULT_MODEL)
    budget = require_int(section, "token_budget", "postmortem.ai.token_budget", 60000, minimum=1000)
    chunk = require_int(section, "chunk_tokens", "postmortem.ai.chunk_tokens", 12000, minimum=500)
    if chunk > budget:
        raise ConfigError("postmortem.ai.chunk_tokens", "must not exceed token_budget")
    return AIConfig(
        enabled=require_bool(section, "enabled", "postmortem.ai.enabled", True),
        model=model,
        timeout=timeout,
        max_retries=require_int(section, "max_retries", "postmortem.ai.max_retries", 2),
        token_budget=budget,
        chunk_tokens=chunk,
        max_output_tokens=require_int(
            section, "max_output_tokens", "postmortem.ai.max_output_tokens", 4000, minimum=256
        ),
        include_private=require_bool(
            section, "include_private", "postmortem.ai.include_private", False
        ),
    )


def parse_postmortem(raw: Any) -> PostmortemConfig:
    section = require_mapping(raw, "postmortem")
    _unknown(section, KNOWN_KEYS, "postmortem")
    return PostmortemConfig(
        auto_on_resolve=require_bool(
            section, "auto_on_resolve", "postmortem.auto_on_resolve", False
        ),
        draft_due=parse_duration(
            section.get("draft_due", "24h"), "postmortem.draft_due", allow_none=True
        ),
        final_due=parse_duration(
            section.get("final_due", "72h"), "postmortem.final_due", allow_none=True
        ),
        reminders=require_bool(section, "reminders", "postmortem.reminders", True),
        redact_document=require_bool(
            section, "redact_document", "postmortem.redact_document", True
        ),
        inline_log_limit=require_int(
            section, "inline_log_limit", "postmortem.inline_log_limit", 400
        ),
        ai=parse_ai(section.get("ai")),
    )
