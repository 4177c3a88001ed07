"""Jinja2 rendering for every word the bot posts.

Templates live in the ``templates`` package (the top-level ``templates/``
folder, shipped as package data so an installed Sitrep finds them from any
working directory); operators may point ``SITREP_TEMPLATES_DIR`` at a folder
whose files override ours by name. Block Kit payloads are JSON
templates, so strings go through ``tojson`` and can never break the JSON.

Whatever a template renders passes through ``core.safe_text`` on the way out,
here and nowhere else: a template (ours or an operator's) cannot forget to
defuse a ``<!channel>`` that a user typed into a title, because it never gets
the chance. Message code that builds text without a template uses
``safe_message`` for the same reason.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from core import safe_text
from core.when import zone

# A regular package on disk, so this is a real folder FileSystemLoader can read.
BUILTIN_TEMPLATES = Path(str(resources.files("templates")))


def mrkdwn_escape(value: Any) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(value: Any, limit: int) -> str:
    """Keep text inside a Block Kit field limit, marking the cut."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def utc(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    return value.strftime(fmt) if value else "—"


def local(value: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    if value is None:
        return "—"
    return value.astimezone(zone(tz)).strftime(fmt)


def duration(value: timedelta | None) -> str:
    """``20m``, ``2h``, ``1h 30m``, ``45s``: how long, the way people write it."""
    if value is None:
        return "none"
    seconds = int(round(value.total_seconds()))
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return " ".join(p for p in parts if p)


# Keys whose strings Slack never displays as mrkdwn: ids, values handed back to us,
# and text a person edits in a modal (changing it would change what they save).
_NOT_SHOWN = frozenset(
    {
        "action_id",
        "block_id",
        "callback_id",
        "external_id",
        "initial_value",
        "initial_user",
        "initial_users",
        "initial_conversation",
        "initial_channel",
        "initial_date",
        "initial_time",
        "private_metadata",
        "type",
        "style",
        "url",
        "image_url",
        "value",
    }
)


def _safe(node: Any, plain: bool = False) -> Any:
    """Every displayed string of a Block Kit payload, made safe for mrkdwn."""
    if isinstance(node, dict):
        # plain_text is never parsed for mentions; it only loses control characters.
        is_plain = node.get("type") == "plain_text"
        return {
            key: value if key in _NOT_SHOWN else _safe(value, is_plain)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_safe(item, plain) for item in node]
    if isinstance(node, str):
        return safe_text.strip_controls(node) if plain else safe_text.mrkdwn(node)
    return node


def safe_payload(payload: Any) -> Any:
    """A message, modal or Home view as Slack may show it: no broadcast anywhere in it."""
    return _safe(payload)


def safe_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message built in code or from a template; its fallback text keeps only mentions."""
    safe = _safe(message)
    if isinstance(safe.get("text"), str):
        safe["text"] = safe_text.fallback(safe["text"])
    return safe


class Templates:
    def __init__(self, override_dir: str | Path | None = None) -> None:
        loaders = [FileSystemLoader(str(BUILTIN_TEMPLATES))]
        if override_dir:
            loaders.insert(0, FileSystemLoader(str(override_dir)))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )
        self.env.filters.update(esc=mrkdwn_escape, clip=clip, utc=utc, local=local)
        self.env.filters["duration"] = duration

    def text(self, name: str, **context: Any) -> str:
        """Text, Markdown or a prompt: no broadcast, no control characters."""
        return safe_text.mrkdwn(self.env.get_template(name).render(**context).strip())

    def line(self, name: str, **context: Any) -> str:
        """One line shown outside a message (a channel topic): only mentions stay live."""
        return safe_text.topic(self.env.get_template(name).render(**context))

    def json(self, name: str, **context: Any) -> Any:
        rendered = self.env.get_template(name).render(**context)
        try:
            payload = json.loads(rendered)
        except json.JSONDecodeError as exc:
            raise ValueError(f"template {name} did not render valid JSON: {exc}") from exc
        return safe_payload(payload)

    def message(self, name: str, **context: Any) -> dict[str, Any]:
        """A Slack message: ``{"text": fallback, "blocks": [...]}`` from ``name``."""
        payload = self.json(name, **context)
        if not isinstance(payload, dict) or "text" not in payload:
            raise ValueError(f"template {name} must render an object with 'text'")
        return safe_message(payload)
