"""The sandbox page in Debian's Chromium against an emulator of its own: Block Kit and
mrkdwn are drawn as Slack draws them, and what a person picks in a modal reaches the
app in Slack's ``state.values`` shapes. (Skips without Chromium, except in CI.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.emulator.sandbox_app import Received, World
from tests.support.browser import chromium_page, require_chromium, shot
from tests.support.waiting import wait_for


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": value}


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": text(label), "value": value}


@pytest.fixture
def page(world: World) -> Iterator[Any]:
    require_chromium()
    with chromium_page(f"{world.emu.base_url}/", "sandbox-page") as tab:
        tab.select_option("#me", "U1")
        yield tab


def test_block_kit_and_mrkdwn_are_drawn_and_a_choice_reaches_the_app(
    world: World, page: Any
) -> None:
    from playwright.sync_api import expect

    select = {
        "type": "static_select",
        "action_id": "severity",
        "placeholder": text("Severity"),
        "options": [option("SEV1", "sev1"), option("SEV2", "sev2")],
    }
    blocks = [
        {"type": "header", "text": {**text("Big header :rotating_light:"), "emoji": True}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*bold* _italic_ ~gone~ `code` <https://example.com|a link> <@U2> "
                f"<#{world.general}> :pushpin:\n&gt; quoted &amp; kept",
            },
            "accessory": {"type": "button", "action_id": "open", "text": text("Open")},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Severity*\nSEV2"},
                {"type": "mrkdwn", "text": "*Status*\nInvestigating"},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        {
            "type": "actions",
            "block_id": "act",
            "elements": [
                {"type": "button", "action_id": "go", "style": "primary", "text": text("Go")},
                select,
                {"type": "datepicker", "action_id": "when"},
            ],
        },
        {"type": "divider"},
        {
            "type": "image",
            "image_url": f"{world.emu.base_url}/no-such-image.png",
            "alt_text": "error rate chart",
            "title": text("Error rate"),
        },
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "rich ", "style": {"bold": True}},
                        {"type": "user", "user_id": "U1"},
                        {"type": "emoji", "name": "bulb"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "one"}],
                        },
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "two"}],
                        },
                    ],
                },
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "x = 1"}]},
            ],
        },
    ]
    world.client.chat_postMessage(channel=world.general, text="fallback", blocks=blocks)
    page.click(".nav-item:has-text('general')")
    message = page.locator(".message", has_text="Big header")
    expect(message.locator("h3")).to_have_text("Big header 🚨")
    body = message.locator(".bk-section").first
    expect(body.locator("b")).to_have_text("bold")
    expect(body.locator("i")).to_have_text("italic")
    expect(body.locator("s")).to_have_text("gone")
    expect(body.locator("code")).to_have_text("code")
    expect(body.locator("a[href='https://example.com']")).to_have_text("a link")
    expect(body.locator(".mention.user")).to_have_text("@bob")
    expect(body.locator(".mention.channel")).to_have_text("#general")
    expect(body.locator("blockquote")).to_have_text("quoted & kept")
    expect(body).to_contain_text("📌")
    expect(body.locator(".bk-accessory button")).to_have_text("Open")
    expect(message.locator(".bk-fields .bk-field")).to_have_count(2)
    expect(message.locator(".bk-context")).to_have_text("small print")
    expect(message.locator(".bk-actions button.primary")).to_have_text("Go")
    expect(message.locator(".bk-divider hr")).to_have_count(1)
    expect(message.locator(".bk-image")).to_contain_text("Error rate")
    expect(message.locator(".bk-image .bk-alt")).to_contain_text("error rate chart")
    rich = message.locator(".bk-rich")
    expect(rich.locator("b")).to_have_text("rich")
    expect(rich.locator(".mention.user.me")).to_have_text("@alice")
    expect(rich.locator("li")).to_have_count(2)
    expect(rich.locator("pre")).to_have_text("x = 1")
    shot(page, "01-blocks")

    message.locator(".bk-actions select").select_option("sev2")
    message.locator(".bk-actions input[type=date]").fill("2026-12-24")
    clicks = wait_for(lambda: len(world.app.of("interactive")) == 2 and world.app.of("interactive"))
    chosen = clicks[0].body["actions"][0]
    assert chosen["action_id"] == "severity" and chosen["block_id"] == "act"
    assert chosen["selected_option"] == option("SEV2", "sev2")
    assert clicks[1].body["actions"][0]["selected_date"] == "2026-12-24"
    assert all(c.body["container"]["message_ts"] for c in clicks)


def input_block(block_id: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": text(block_id.replace("_", " ").capitalize()),
        "element": {"action_id": "value", **element},
    }


FORM = {
    "type": "modal",
    "callback_id": "everything",
    "title": text("Every input"),
    "submit": text("Send"),
    "close": text("Cancel"),
    "blocks": [
        input_block("story", {"type": "plain_text_input", "multiline": True}),
        input_block("count", {"type": "number_input", "is_decimal_allowed": False}),
        input_block(
            "severity",
            {
                "type": "static_select",
                "initial_option": option("SEV3", "sev3"),
                "options": [option("SEV2", "sev2"), option("SEV3", "sev3")],
            },
        ),
        input_block(
            "services",
            {
                "type": "multi_static_select",
                "options": [option("API", "api"), option("Web", "web"), option("Jobs", "jobs")],
            },
        ),
        input_block("owner", {"type": "users_select"}),
        input_block("team", {"type": "multi_users_select"}),
        input_block("where", {"type": "conversations_select"}),
        input_block("due", {"type": "datepicker", "initial_date": "2026-12-01"}),
        input_block("at", {"type": "timepicker"}),
        input_block(
            "flags",
            {
                "type": "checkboxes",
                "options": [option("Private", "private"), option("Loud", "loud")],
            },
        ),
        input_block(
            "tier",
            {"type": "radio_buttons", "options": [option("Free", "free"), option("Paid", "paid")]},
        ),
    ],
}


def test_every_input_of_a_modal_is_submitted_in_slacks_shapes(world: World, page: Any) -> None:
    from playwright.sync_api import expect

    def answer(request: Received) -> tuple[int, dict[str, Any] | None]:
        if request.kind == "command":
            world.client.views_open(trigger_id=request.body["trigger_id"], view=FORM)
        if request.kind == "interactive" and request.body["type"] == "view_submission":
            values = request.body["view"]["state"]["values"]
            if not values["story"]["value"]["value"].strip().endswith("."):
                return 200, {"response_action": "errors", "errors": {"story": "End with a dot"}}
        return 200, None

    world.app.answer = answer
    page.click(".nav-item:has-text('general')")
    page.fill("#input", "/incident form")
    page.press("#input", "Enter")
    modal = page.locator(".modal")
    expect(modal.locator("h2")).to_have_text("Every input")
    modal.locator("[data-block-id=story] textarea").fill("It broke")
    modal.locator("[data-block-id=count] input").fill("3")
    modal.locator("[data-block-id=severity] select").select_option("sev2")
    modal.locator("[data-block-id=services] select").select_option(["api", "jobs"])
    modal.locator("[data-block-id=owner] select").select_option("U2")
    modal.locator("[data-block-id=team] select").select_option(["U1", "U2"])
    modal.locator("[data-block-id=where] select").select_option(world.ops)
    modal.locator("[data-block-id=at] input").fill("13:45")
    modal.locator("[data-block-id=flags] label", has_text="Loud").locator("input").check()
    modal.locator("[data-block-id=tier] label", has_text="Paid").locator("input").check()
    shot(page, "02-modal-filled")
    modal.locator("[data-role=submit]").click()
    expect(modal.locator("[data-block-id=story] .bk-error")).to_have_text("End with a dot")
    shot(page, "03-modal-error")
    modal.locator("[data-block-id=story] textarea").fill("It broke.")
    modal.locator("[data-role=submit]").click()
    expect(modal).to_be_hidden()

    submitted = [r.body for r in world.app.of("interactive") if r.body["type"] == "view_submission"]
    values = {
        block: found["value"] for block, found in submitted[-1]["view"]["state"]["values"].items()
    }
    assert values == {
        "story": {"type": "plain_text_input", "value": "It broke."},
        "count": {"type": "number_input", "value": "3"},
        "severity": {"type": "static_select", "selected_option": option("SEV2", "sev2")},
        "services": {
            "type": "multi_static_select",
            "selected_options": [option("API", "api"), option("Jobs", "jobs")],
        },
        "owner": {"type": "users_select", "selected_user": "U2"},
        "team": {"type": "multi_users_select", "selected_users": ["U1", "U2"]},
        "where": {"type": "conversations_select", "selected_conversation": world.ops},
        "due": {"type": "datepicker", "selected_date": "2026-12-01"},
        "at": {"type": "timepicker", "selected_time": "13:45"},
        "flags": {"type": "checkboxes", "selected_options": [option("Loud", "loud")]},
        "tier": {"type": "radio_buttons", "selected_option": option("Paid", "paid")},
    }
    assert submitted[-1]["user"]["id"] == "U1"
