"""Task modules; importing them registers their tasks with ``scheduler.registry``."""

from __future__ import annotations

import importlib

MODULES: list[str] = ["action_items", "cadence", "postmortem", "reports", "timeline"]


def load() -> None:
    for module in MODULES:
        importlib.import_module(f"scheduler.tasks.{module}")
