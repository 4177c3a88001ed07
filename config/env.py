"""Secrets and endpoints, which come from the environment and never from YAML."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///sitrep.db"
SETUP_HINT = "see 'Slack app setup' in the README"


class MissingSetting(RuntimeError):
    """A required environment variable is not set."""

    def __init__(self, name: str, purpose: str) -> None:
        self.name = name
        super().__init__(f"{name} is not set: {purpose} ({SETUP_HINT}).")


@dataclass(frozen=True)
class EnvSettings:
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str
    slack_api_url: str
    database_url: str
    config_path: str
    anthropic_api_key: str
    anthropic_base_url: str
    templates_dir: str
    # Where `sitrep serve` listens when --host is not given; see cli/serve.py.
    host: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> EnvSettings:
        env = os.environ if environ is None else environ
        api_url = env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        return cls(
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_api_url=api_url,
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            config_path=env.get("SITREP_CONFIG", ""),
            anthropic_api_key=env.get("ANTHROPIC_API_KEY", ""),
            anthropic_base_url=env.get("ANTHROPIC_BASE_URL", ""),
            templates_dir=env.get("SITREP_TEMPLATES_DIR", ""),
            host=env.get("SITREP_HOST", ""),
        )

    def require_http_tokens(self) -> None:
        """HTTP mode needs the bot token to call Slack and the secret to verify requests."""
        if not self.slack_bot_token:
            raise MissingSetting(
                "SLACK_BOT_TOKEN", "the bot token (xoxb-...) is needed to call Slack"
            )
        if not self.slack_signing_secret:
            raise MissingSetting(
                "SLACK_SIGNING_SECRET", "the signing secret is needed to verify Slack's requests"
            )

    def require_socket_tokens(self) -> None:
        if not self.slack_bot_token:
            raise MissingSetting(
                "SLACK_BOT_TOKEN", "the bot token (xoxb-...) is needed to call Slack"
            )
        if not self.slack_app_token:
            raise MissingSetting(
                "SLACK_APP_TOKEN",
                "Socket Mode needs an app-level token (xapp-...) with connections:write",
            )
