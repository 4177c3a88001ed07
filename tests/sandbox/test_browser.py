"""The sandbox page in a real headless Chromium: declare, pin, update by modal, resolve,
postmortem canvas, the way a newcomer would click through it.

Debian's Chromium driven by Playwright (see ``tests/support/browser.py``; it skips
without Chromium, except in CI). Screenshots of each step go to
``test-artifacts/sandbox-browser/`` (not in git).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.conftest import Sandbox
from tests.support.browser import chromium_page, require_chromium, shot


@pytest.fixture
def chromium() -> None:
    require_chromium()  # before starting a sandbox that could not be used


@pytest.fixture
def page(chromium: None, sandbox: Sandbox) -> Iterator[Any]:
    with chromium_page(f"{sandbox.url}/", "sandbox-browser") as tab:
        yield tab


def type_in(page: Any, text: str, box: str = "#input") -> None:
    page.fill(box, text)
    page.press(box, "Enter")


def test_declare_pin_update_resolve_and_open_the_postmortem(page: Any, sandbox: Sandbox) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".nav-item", has_text="incidents")).to_be_visible()
    page.select_option("#me", "U0LOCAL01")
    page.click(".nav-item:has-text('incidents')")
    expect(page.locator("#banner")).to_be_hidden()  # Sitrep is up
    shot(page, "01-opened")

    # 1. Declare by typing the command, as in Slack.
    type_in(page, "/incident declare sev2 Checkout errors")
    incident = page.locator(".nav-item", has_text="inc-1-checkout-errors")
    expect(incident).to_be_visible()
    shot(page, "02-declared")

    # 2. The new channel and its pinned card.
    incident.click()
    card = page.locator(".message.pinned", has_text="INC-1: Checkout errors")
    expect(card).to_be_visible()
    expect(card.locator(".bk-field", has_text="Severity")).to_contain_text("SEV2")
    expect(page.locator("[data-panel=pins]")).to_contain_text("1")
    shot(page, "03-channel-and-card")

    # 3. A message, and a 📌 on it.
    type_in(page, "Rolled back the 14:00 deploy of checkout-api")
    mine = page.locator(".message", has_text="Rolled back the 14:00 deploy")
    expect(mine).to_be_visible()
    mine.hover()
    mine.locator("[data-role=add-reaction]").click()
    page.click(".picker [data-emoji=pushpin]")
    expect(mine.locator(".reaction.mine[data-reaction=pushpin]")).to_contain_text("1")
    shot(page, "04-message-pinned-with-reaction")

    # 4. /incident update opens the modal; fill it and submit.
    type_in(page, "/incident update")
    modal = page.locator(".modal")
    expect(modal).to_be_visible()
    expect(modal.locator("h2")).to_have_text("Update INC-1")
    modal.locator("[data-block-id=happening] textarea").fill("Checkout errors fell after rollback")
    modal.locator("[data-block-id=impact] textarea").fill("About 9% of EU checkouts failed")
    modal.locator("[data-block-id=next] input").fill("30m")
    shot(page, "05-update-modal")
    modal.locator("[data-role=submit]").click()
    expect(modal).to_be_hidden()
    update = page.locator(".message", has_text="Checkout errors fell after rollback")
    expect(update).to_be_visible()
    expect(update).to_contain_text("About 9% of EU checkouts failed")
    shot(page, "06-update-posted")

    # 5. Resolve, draft the postmortem, and open its canvas.
    type_in(page, "/incident resolve Rolled back checkout-api")
    expect(page.locator(".message:not(.pinned)", has_text="Resolved by")).to_be_visible()
    type_in(page, "/incident postmortem")
    canvas_button = page.locator("[data-panel=canvas]")
    expect(canvas_button).to_be_visible(timeout=60_000)
    canvas_button.click()
    heading = page.locator("#panel .canvas-body h1")
    expect(heading).to_contain_text("INC-1 postmortem: Checkout errors")
    expect(page.locator("#panel .canvas-body")).to_contain_text("Rolled back the 14:00 deploy")
    shot(page, "07-postmortem-canvas")
