"""A page in Debian's Chromium, driven by Playwright, for the sandbox's browser tests.

Playwright's own browser downloads are never used: ``scripts/test.sh`` installs
Debian's ``chromium`` package. Without it the tests skip, except in CI (CI=true),
where they must run. Screenshots go to ``test-artifacts/`` (not in git).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.process import REPO

CHROMIUM = Path(os.environ.get("SITREP_TEST_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
ARTIFACTS = Path(os.environ.get("SITREP_TEST_ARTIFACTS", REPO / "test-artifacts"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what}; CI must run the browser tests (scripts/test.sh installs it)")
    pytest.skip(f"{what} (scripts/test.sh installs it)")


def require_chromium() -> None:
    """Skip (or, in CI, fail) unless Chromium and Playwright are both here."""
    if not CHROMIUM.exists():
        _missing(f"Debian's chromium is not installed at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright for Python is not installed (the 'test' extra has it)")


@contextmanager
def chromium_page(url: str, artifacts: str) -> Iterator[Any]:
    """A fresh page at ``url``; fails the test if the page threw a JavaScript error.

    ``artifacts`` names the folder under ``test-artifacts/`` that ``shot`` fills.
    """
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    folder = ARTIFACTS / artifacts
    folder.mkdir(parents=True, exist_ok=True)  # each step's file is overwritten, run after run
    _folders.append(folder)
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url)
            yield page
        finally:
            browser.close()
            _folders.remove(folder)
    assert errors == [], f"the page threw: {errors}"


_folders: list[Path] = []  # the artefact folder of the page open now


def shot(page: Any, name: str) -> None:
    """Save a screenshot of this step in the open page's artefact folder."""
    page.screenshot(path=str(_folders[-1] / f"{name}.png"))
