"""emulator/contract.py agrees with Slack's published reference.

Required arguments must match the reference exactly (token aside), and every
error code the emulator may answer must be documented for that method or be
one of Slack's common errors; the source is scanned too, so a handler cannot
raise a code that no contract entry lists.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from emulator.contract import COMMON_ERRORS, CONTRACT
from emulator.methods import HANDLERS

METHODS = sorted(CONTRACT)
EMULATOR_DIR = Path(__file__).resolve().parents[2] / "emulator"


def _ref(api_ref: Path, name: str) -> dict[str, Any]:
    path = api_ref / "methods" / f"{name}.json"
    assert path.is_file(), f"{name} is not in Slack's reference"
    return json.loads(path.read_text())


@pytest.mark.parametrize("name", METHODS)
def test_method_exists_in_reference(api_ref: Path, name: str) -> None:
    assert _ref(api_ref, name)["args"]


@pytest.mark.parametrize("name", METHODS)
def test_required_arguments_match_reference(api_ref: Path, name: str) -> None:
    required = set(_ref(api_ref, name)["args"].get("required", [])) - {"token"}
    assert set(CONTRACT[name].required) == required


@pytest.mark.parametrize("name", METHODS)
def test_error_codes_are_documented(api_ref: Path, name: str) -> None:
    documented = set(_ref(api_ref, name).get("errors", {})) | COMMON_ERRORS
    contract = CONTRACT[name]
    possible = set(contract.errors) | {contract.missing_code(arg) for arg in contract.required}
    assert possible - documented == set()


def test_every_handler_has_a_contract_and_back() -> None:
    assert set(HANDLERS) == set(CONTRACT)


def test_only_apps_connections_open_takes_the_app_token() -> None:
    assert [name for name, c in CONTRACT.items() if c.app_token] == ["apps.connections.open"]


def _raised_codes() -> set[str]:
    """String codes passed to SlackError(...) or as ``code=``/``error=`` defaults in the package."""
    codes: set[str] = set()
    for path in EMULATOR_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SlackError":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    codes.add(first.value)
            if (
                isinstance(node, ast.keyword)
                and node.arg in ("code", "error")
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                codes.add(node.value.value)
    return codes


def test_source_raises_only_contract_codes() -> None:
    known = set(COMMON_ERRORS).union(*(c.errors for c in CONTRACT.values()))
    assert _raised_codes() - known == set()
