"""The Block Kit and view limits Slack enforces, limited to ones we are sure of.

A bot that exceeds these works against a lenient mock and fails in production;
checking them here makes the bot's tests fail first. Messages answer
``invalid_blocks`` (``invalid_blocks_format`` when ``blocks`` is not a list of
objects); views answer ``invalid_arguments`` or ``view_too_large``, with
``response_metadata.messages`` in Slack's ``[ERROR] ...`` style.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.errors import SlackError

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BLOCK_ID = 255
MAX_VIEW_TITLE = 24
MAX_VIEW_BUTTON = 24
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255
MAX_VIEW_BYTES = 250_000


def _too_long(limit: int, pointer: str) -> str:
    return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _too_many(limit: int, pointer: str) -> str:
    return f"[ERROR] must provide at most {limit} items [json-pointer:{pointer}]"


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _block_problems(block: dict[str, Any], at: str) -> list[str]:
    """Limits one block breaks; ``at`` is its JSON pointer."""
    problems: list[str] = []
    kind = block["type"]
    if len(str(block.get("block_id", ""))) > MAX_BLOCK_ID:
        problems.append(_too_long(MAX_BLOCK_ID, f"{at}/block_id"))
    if kind == "section":
        if len(_text_of(block.get("text"))) > MAX_SECTION_TEXT:
            problems.append(_too_long(MAX_SECTION_TEXT, f"{at}/text"))
        fields = block.get("fields") or []
        if len(fields) > MAX_SECTION_FIELDS:
            problems.append(_too_many(MAX_SECTION_FIELDS, f"{at}/fields"))
        for j, field in enumerate(fields):
            if len(_text_of(field)) > MAX_FIELD_TEXT:
                problems.append(_too_long(MAX_FIELD_TEXT, f"{at}/fields/{j}"))
        if "text" not in block and not fields:
            problems.append(f"[ERROR] must provide either text or fields [json-pointer:{at}]")
    elif kind == "header" and len(_text_of(block.get("text"))) > MAX_HEADER_TEXT:
        problems.append(_too_long(MAX_HEADER_TEXT, f"{at}/text"))
    elif kind == "actions" and len(block.get("elements") or []) > MAX_ACTIONS_ELEMENTS:
        problems.append(_too_many(MAX_ACTIONS_ELEMENTS, f"{at}/elements"))
    elif kind == "context" and len(block.get("elements") or []) > MAX_CONTEXT_ELEMENTS:
        problems.append(_too_many(MAX_CONTEXT_ELEMENTS, f"{at}/elements"))
    return problems


def block_problems(blocks: list[Any], pointer: str = "/blocks") -> list[str]:
    """Every limit these blocks break, as Slack-style messages."""
    problems: list[str] = []
    for i, block in enumerate(blocks):
        at = f"{pointer}/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"[ERROR] missing required field: type [json-pointer:{at}]")
            continue
        problems.extend(_block_problems(block, at))
    return problems


def check_message_blocks(raw: Any) -> list[dict[str, Any]] | None:
    """Validate chat.* ``blocks``; returns the parsed list (None when absent)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_blocks_format", "[ERROR] blocks is not valid JSON") from None
    if not isinstance(raw, list):
        raise SlackError("invalid_blocks_format", "[ERROR] blocks must be an array")
    problems = block_problems(raw)
    if len(raw) > MAX_MESSAGE_BLOCKS:
        problems.insert(
            0, f"[ERROR] must provide at most {MAX_MESSAGE_BLOCKS} items [json-pointer:/blocks]"
        )
    if problems:
        raise SlackError("invalid_blocks", *problems, errors=problems)
    return raw


def check_view(view: Any, allowed_types: tuple[str, ...]) -> dict[str, Any]:
    """Validate a view object for views.open/push/update/publish."""
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", "[ERROR] view must be an object [json-pointer:/view]")
    if len(json.dumps(view)) > MAX_VIEW_BYTES:
        raise SlackError("view_too_large")
    problems: list[str] = []
    kind = view.get("type")
    if kind not in allowed_types:
        problems.append(
            f"[ERROR] type must be one of {', '.join(allowed_types)} [json-pointer:/view/type]"
        )
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
        blocks = []
    elif len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(
            f"[ERROR] must provide at most {MAX_VIEW_BLOCKS} items [json-pointer:/view/blocks]"
        )
    problems.extend(block_problems(blocks, "/view/blocks"))
    if kind == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or not title.get("text"):
            problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        elif len(title["text"]) > MAX_VIEW_TITLE:
            problems.append(_too_long(MAX_VIEW_TITLE, "/view/title/text"))
        for button in ("submit", "close"):
            if len(_text_of(view.get(button))) > MAX_VIEW_BUTTON:
                problems.append(_too_long(MAX_VIEW_BUTTON, f"/view/{button}/text"))
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            problems.append("[ERROR] missing required field: submit [json-pointer:/view/submit]")
    if len(str(view.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
        problems.append(_too_long(MAX_PRIVATE_METADATA, "/view/private_metadata"))
    if len(str(view.get("callback_id", ""))) > MAX_CALLBACK_ID:
        problems.append(_too_long(MAX_CALLBACK_ID, "/view/callback_id"))
    if problems:
        raise SlackError("invalid_arguments", *problems)
    return view
