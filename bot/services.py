"""What every adapter needs, built once per process and handed to listeners."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot import metrics
from bot.render import Templates
from bot.user_directory import UserDirectory
from config import Settings
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    templates: Templates
    # The process's scheduler once started (scheduler.service.Scheduler); None in
    # one-shot commands, where scheduling calls are skipped.
    scheduler: Any = None
    # Channel name -> id, for configured channels such as the broadcast channel.
    channel_ids: dict[str, str] = field(default_factory=dict)
    # Names to user ids for a plain @name, read from Slack now and then.
    user_directory: UserDirectory = field(default_factory=UserDirectory)

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None) -> Services:
        metrics.configure(settings.operations.metrics_enabled)
        return cls(
            settings=settings,
            db=db or Database(settings.env.database_url),
            templates=Templates(settings.env.templates_dir or None),
        )
