"""Jinja2 rendering for every word the bot posts.

Templates live in the ``templates`` package (the top-level ``templates/``
folder, shipped as package data so an installed Sitrep finds them from any
working directory); operators may point ``SITREP_TEMPLATES_DIR`` at a folder
whose files override ours by name. Block Kit payloads are JSON
templates, so strings go through ``tojson`` and can never break the JSON.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

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
        return self.env.get_template(name).render(**context).strip()

    def json(self, name: str, **context: Any) -> Any:
        rendered = self.env.get_template(name).render(**context)
        try:
            return json.loads(rendered)
        except json.JSONDecodeError as exc:
            raise ValueError(f"template {name} did not render valid JSON: {exc}") from exc

    def message(self, name: str, **context: Any) -> dict[str, Any]:
        """A Slack message: ``{"text": fallback, "blocks": [...]}`` from ``name``."""
        payload = self.json(name, **context)
        if not isinstance(payload, dict) or "text" not in payload:
            raise ValueError(f"template {name} must render an object with 'text'")
        return payload
