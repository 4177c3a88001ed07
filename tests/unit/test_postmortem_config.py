"""The postmortem section of the YAML file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import ConfigError
from config.postmortem import DEFAULT_MODEL, parse_postmortem


def test_defaults() -> None:
    config = parse_postmortem(None)
    assert config.auto_on_resolve is False
    assert config.draft_due == timedelta(hours=24)
    assert config.final_due == timedelta(hours=72)
    assert config.ai.model == DEFAULT_MODEL
    assert config.ai.include_private is False
    assert config.ai.timeout == timedelta(seconds=60)


def test_everything_is_configurable() -> None:
    config = parse_postmortem(
        {
            "auto_on_resolve": True,
            "draft_due": "12h",
            "final_due": "none",
            "ai": {
                "model": "claude-test",
                "timeout": "5s",
                "token_budget": 20000,
                "chunk_tokens": 4000,
                "include_private": True,
                "max_retries": 0,
            },
        }
    )
    assert config.auto_on_resolve and config.final_due is None
    assert config.ai.model == "claude-test" and config.ai.token_budget == 20000
    assert config.ai.timeout == timedelta(seconds=5) and config.ai.max_retries == 0


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"draft_due": "soon"}, "postmortem.draft_due"),
        ({"ai": {"model": ""}}, "postmortem.ai.model"),
        ({"ai": {"chunk_tokens": 9000, "token_budget": 5000}}, "postmortem.ai.chunk_tokens"),
        ({"ai": {"temperature": 1}}, "postmortem.ai.temperature"),
        ({"auto_on_resolve": "yes"}, "postmortem.auto_on_resolve"),
    ],
)
def test_bad_values_name_their_key(raw: dict, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_postmortem(raw)
    assert error.value.key == key
