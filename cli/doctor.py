"""``sitrep doctor``: is this installation ready to run? A table of checks, exit 1 on a failure.

Every check that fails says how to fix it. Checks that need an earlier one
(Slack's scopes need a working token) are skipped when it failed, so the
first problem is the one reported, not its echoes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.manifest import load_manifest
from bot.services import Services
from bot.slack_client import make_client
from bot.workflows import broadcast, dead_letters
from bot.workflows.slack_errors import error_code
from config import ConfigError, MissingSetting, Settings, load_settings
from storage import migrate

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


@dataclass
class Context:
    settings: Settings | None = None
    services: Services | None = None
    client: WebClient | None = None
    scopes: set[str] | None = None
    database_ok: bool = False


# Each configured integration adds a check here (name, ok?, how to fix); none exist yet.
IntegrationCheck = Callable[[Settings], list[Check]]
INTEGRATION_CHECKS: list[IntegrationCheck] = []


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("doctor", help="check settings, database, Slack and AI access")
    parser.set_defaults(run=run)


def run(_args: argparse.Namespace) -> int:
    checks = diagnose()
    print(render(checks))
    return 1 if any(c.status == FAIL for c in checks) else 0


def diagnose(environ: dict[str, str] | None = None) -> list[Check]:
    ctx = Context()
    checks: list[Check] = []
    for step in (
        _settings,
        _database,
        _dead_letters,
        _slack_token,
        _scopes,
        _broadcast_channel,
        _anthropic,
        _integrations,
    ):
        checks += step(ctx, environ)
    if ctx.services is not None:
        ctx.services.db.dispose()
    return checks


def render(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"{'CHECK':<{width}}  STATUS  DETAIL"]
    for c in checks:
        lines.append(f"{c.name:<{width}}  {c.status:<6}  {c.detail}")
        if c.fix and c.status in (FAIL, WARN):
            lines.append(f"{'':<{width}}  {'':<6}  fix: {c.fix}")
    failed = sum(c.status == FAIL for c in checks)
    lines.append("")
    lines.append(f"{failed} check(s) failed." if failed else "All checks passed.")
    return "\n".join(lines)


def _settings(ctx: Context, environ: dict[str, str] | None) -> list[Check]:
    try:
        ctx.settings = load_settings(environ)
    except (ConfigError, MissingSetting) as exc:
        return [
            Check(
                "settings",
                FAIL,
                str(exc),
                "correct the environment variable or the YAML key named above "
                "(SITREP_CONFIG points at the YAML file)",
            )
        ]
    return [Check("settings", OK, f"parsed ({ctx.settings.env.config_path or 'all defaults'})")]


def _database(ctx: Context, _environ: dict[str, str] | None) -> list[Check]:
    if ctx.settings is None:
        return [Check("database", SKIP, "needs settings")]
    url = ctx.settings.env.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        ctx.services = Services.build(ctx.settings)
        with ctx.services.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return [
            Check(
                "database",
                FAIL,
                f"cannot reach {shown}: {first_line}",
                "check DATABASE_URL, that the database server is running, and that it accepts "
                "connections from this host with these credentials",
            )
        ]
    ctx.database_ok = True
    checks = [Check("database", OK, f"reachable ({ctx.services.db.dialect}, {shown})")]
    current, expected = migrate.current_heads(ctx.services.db), migrate.expected_heads()
    if current != expected:
        checks.append(
            Check(
                "migrations",
                FAIL,
                f"schema at {', '.join(sorted(current)) or 'nothing'}; this version needs "
                f"{', '.join(sorted(expected))}",
                "run `sitrep db upgrade` (`sitrep serve` also upgrades on start)",
            )
        )
    else:
        checks.append(Check("migrations", OK, f"current ({', '.join(sorted(expected))})"))
    return checks


def _dead_letters(ctx: Context, _environ: dict[str, str] | None) -> list[Check]:
    if ctx.services is None or not ctx.database_ok:
        return [Check("dead letters", SKIP, "needs the database")]
    try:
        count = dead_letters.count(ctx.services.db)
    except Exception as exc:
        return [Check("dead letters", SKIP, f"cannot count them: {exc.__class__.__name__}")]
    if count:
        return [
            Check(
                "dead letters",
                FAIL,
                f"{count} captured event(s) could not be written to the timeline",
                "see why with `sitrep dead-letters list`, fix the cause, then run "
                "`sitrep dead-letters replay`",
            )
        ]
    return [Check("dead letters", OK, "none")]


def _slack_token(ctx: Context, _environ: dict[str, str] | None) -> list[Check]:
    if ctx.settings is None:
        return [Check("slack token", SKIP, "needs settings")]
    env = ctx.settings.env
    if not env.slack_bot_token:
        return [
            Check(
                "slack token",
                FAIL,
                "SLACK_BOT_TOKEN is not set",
                "set it to the app's Bot User OAuth Token (xoxb-...), from OAuth & Permissions",
            )
        ]
    client = make_client(env, timeout=10)
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        return [
            Check(
                "slack token",
                FAIL,
                f"Slack refused it: {error_code(exc)}",
                "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions "
                "page into SLACK_BOT_TOKEN; reinstall the app if it was revoked",
            )
        ]
    except OSError as exc:
        return [
            Check(
                "slack token",
                FAIL,
                f"cannot reach Slack at {env.slack_api_url}: {exc}",
                "check this host's network access to Slack (or SLACK_API_URL)",
            )
        ]
    ctx.client = client
    header = _header(answer.headers, "x-oauth-scopes")
    if header is not None:
        ctx.scopes = {s.strip() for s in header.split(",") if s.strip()}
    return [
        Check(
            "slack token",
            OK,
            f"valid: @{answer.get('user')} in {answer.get('team') or answer.get('team_id')}",
        )
    ]


def _header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return ", ".join(value) if isinstance(value, list) else str(value)
    return None


def manifest_scopes() -> set[str]:
    """The bot scopes the shipped manifest asks for (``sitrep manifest`` prints it)."""
    return set(load_manifest()["oauth_config"]["scopes"]["bot"])


def _scopes(ctx: Context, _environ: dict[str, str] | None) -> list[Check]:
    if ctx.client is None:
        return [Check("slack scopes", SKIP, "needs a working Slack token")]
    if ctx.scopes is None:
        return [
            Check(
                "slack scopes",
                WARN,
                "Slack did not list the token's scopes (no x-oauth-scopes header)",
                "compare the app's OAuth & Permissions page with `sitrep manifest` by hand",
            )
        ]
    missing = sorted(manifest_scopes() - ctx.scopes)
    if missing:
        return [
            Check(
                "slack scopes",
                FAIL,
                f"the bot token lacks {', '.join(missing)}",
                "add them under OAuth & Permissions > Bot Token Scopes (or update the app from "
                "`sitrep manifest`), then reinstall the app to the workspace",
            )
        ]
    return [Check("slack scopes", OK, f"all {len(manifest_scopes())} in the manifest granted")]


def _broadcast_channel(ctx: Context, _environ: dict[str, str] | None) -> list[Check]:
    if ctx.client is None or ctx.settings is None or ctx.services is None:
        return [Check("broadcast channel", SKIP, "needs a working Slack token")]
    name = ctx.settings.config.channels.broadcast_channel
    try:
        channel_id = broadcast.resolve_channel(ctx.services, ctx.client, name)
        if channel_id is None:
            return [
                Check(
                    "broadcast channel",
                    FAIL,
                    f"no channel #{name.lstrip('#')} that the bot can see",
                    f"create #{name.lstrip('#')} (for a private one, invite the bot), or set "
                    "broadcast_channel in the YAML settings to an existing channel",
                )
            ]
        info = ctx.client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        return [
            Check(
                "broadcast channel",
                FAIL,
                f"cannot look it up: {error_code(exc)}",
                "grant channels:read and groups:read, then reinstall the app",
            )
        ]
    shown = f"#{info.get('name') or name}"
    if info.get("is_archived"):
        return [
            Check(
                "broadcast channel",
                FAIL,
                f"{shown} is archived",
                "unarchive it or set broadcast_channel to another channel",
            )
        ]
    public_post = "chat:write.public" in (ctx.scopes or set()) and not info.get("is_private")
    if not info.get("is_member") and not public_post:
        return [
            Check(
                "broadcast channel",
                FAIL,
                f"the bot is not a member of {shown}, so it cannot post there",
                f"type `/invite @{_bot_name(ctx)}` in {shown}",
            )
        ]
    return [Check("broadcast channel", OK, f"{shown} exists and the bot can post in it")]


def _bot_name(ctx: Context) -> str:
    try:
        return str(ctx.client.auth_test().get("user") or "sitrep")  # type: ignore[union-attr]
    except Exception:
        return "sitrep"


def _anthropic(ctx: Context, _environ: dict[str, str] | None) -> list[Check]:
    if ctx.settings is None:
        return [Check("anthropic", SKIP, "needs settings")]
    env, ai = ctx.settings.env, ctx.settings.config.postmortem.ai
    if not env.anthropic_api_key:
        return [Check("anthropic", SKIP, "ANTHROPIC_API_KEY not set: AI drafts are off")]
    import anthropic  # slow to import; only when there is a key to check

    client = anthropic.Anthropic(
        api_key=env.anthropic_api_key,
        base_url=env.anthropic_base_url or None,
        timeout=15,
        max_retries=0,
    )
    try:
        client.messages.create(
            model=ai.model, max_tokens=1, messages=[{"role": "user", "content": "ping"}]
        )
    except anthropic.AuthenticationError:
        return [
            Check(
                "anthropic",
                FAIL,
                "the key was refused",
                "set ANTHROPIC_API_KEY to a valid key from the Anthropic console",
            )
        ]
    except anthropic.APIStatusError as exc:
        return [
            Check(
                "anthropic",
                FAIL,
                f"the API answered HTTP {exc.status_code}",
                f"check postmortem.ai.model ({ai.model}) and the account's access to it",
            )
        ]
    except anthropic.APIConnectionError as exc:
        return [
            Check(
                "anthropic",
                FAIL,
                f"cannot reach the API: {exc}",
                "check network access (or ANTHROPIC_BASE_URL)",
            )
        ]
    return [Check("anthropic", OK, f"the key works ({ai.model})")]


def _integrations(ctx: Context, _environ: dict[str, str] | None) -> list[Check]:
    if ctx.settings is None:
        return [Check("integrations", SKIP, "needs settings")]
    checks = [c for check in INTEGRATION_CHECKS for c in check(ctx.settings)]
    return checks or [Check("integrations", OK, "none configured")]
