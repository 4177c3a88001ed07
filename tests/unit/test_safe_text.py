"""What the bot posts again of user text: no broadcast, no bidi trick, mentions intact."""

from __future__ import annotations

import pytest

from bot.render import Templates, safe_message
from core import safe_text
from emulator.mentions import broadcasts, user_mentions

BROADCASTS = [
    "<!here>",
    "<!here|here>",
    "<!channel>",
    "<!everyone>",
    "<!group>",
    "<!HERE>",
    "<!subteam^S123>",
    "<!subteam^S123|@oncall>",
    "@here",
    "@channel",
    "@everyone",
    "@Here",
]


@pytest.mark.parametrize("token", BROADCASTS)
def test_a_broadcast_token_is_shown_as_text(token: str) -> None:
    text = f"db down {token} please look"
    assert broadcasts(text) != []  # the emulator's reader sees it as live ...
    assert broadcasts(safe_text.mrkdwn(text)) == []  # ... and no longer once defused


def test_defused_tokens_still_read_the_same() -> None:
    assert safe_text.mrkdwn("<!here> now") == "&lt;!here&gt; now"
    assert safe_text.mrkdwn("<!subteam^S1|@sre>") == "&lt;!subteam^S1|@sre&gt;"
    assert safe_text.mrkdwn("ping @here") == "ping @\u2060here"


def test_people_channels_links_and_dates_are_kept_in_message_text() -> None:
    text = "<@U123|alice> in <#C123|inc-1>: <https://status.example|status> <!date^1^{date}|x>"
    assert safe_text.mrkdwn(text) == text
    assert user_mentions(safe_text.mrkdwn(text)) == {"U123"}


def test_an_email_or_handle_that_ends_in_here_is_not_touched() -> None:
    assert safe_text.mrkdwn("ops@here.example @hereford") == "ops@here.example @hereford"


def test_a_half_token_cannot_join_with_bot_text_into_a_broadcast() -> None:
    assert "<!" not in safe_text.mrkdwn("<!here") + ">"


def test_defusing_twice_changes_nothing_more() -> None:
    once = safe_text.mrkdwn(" ".join(BROADCASTS))
    assert safe_text.mrkdwn(once) == once


def test_titles_lose_bidi_controls_and_line_breaks() -> None:
    title = "Checkout \u202egnp.exe\u202c down\u2028again\r\n\x07now\u2066x\u2069"
    assert safe_text.clean_title(title) == "Checkout gnp.exe down again nowx"


def test_multi_line_text_keeps_its_lines_but_not_controls() -> None:
    assert safe_text.strip_controls("a\nb\tc\x00\x1b[31m\u202e") == "a\nb\tc[31m"


def test_block_kit_payload_is_defused_except_plain_text_and_values() -> None:
    payload = {
        "text": "INC-1 <!here> down",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "INC-1 <!here>"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "<!channel> <@U1>"}},
            {
                "type": "actions",
                "elements": [{"type": "button", "value": "<!here> as typed", "action_id": "a"}],
            },
            {"type": "input", "element": {"type": "plain_text_input", "initial_value": "<!here>"}},
        ],
    }
    safe = safe_message(payload)
    assert broadcasts(safe) == []
    assert safe["blocks"][0]["text"]["text"] == "INC-1 <!here>"  # plain_text never pings
    assert safe["blocks"][1]["text"]["text"] == "&lt;!channel&gt; <@U1>"
    assert safe["blocks"][2]["elements"][0]["value"] == "<!here> as typed"
    assert safe["blocks"][3]["element"]["initial_value"] == "<!here>"


def test_every_template_output_goes_through_the_neutraliser(tmp_path) -> None:
    # An operator's override template that forgets every filter is defused all the same.
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "error.json.j2").write_text(
        '{"text": {{ message | tojson }}, "blocks": [{"type": "section", '
        '"text": {"type": "mrkdwn", "text": {{ message | tojson }}}}]}'
    )
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "next_steps.md.j2").write_text("{{ message }}")
    templates = Templates(tmp_path)
    message = templates.message("messages/error.json.j2", message="<!everyone> @channel")
    assert broadcasts(message) == []
    assert broadcasts(templates.text("text/next_steps.md.j2", message="<!here>")) == []


def test_fallback_text_keeps_people_and_channels_and_shows_links_as_text() -> None:
    text = "INC-1: <https://evil.example|Reset your SSO> · IC <@U123> in <#C123|inc-1> a<b"
    assert safe_text.fallback(text) == (
        "INC-1: &lt;https://evil.example|Reset your SSO&gt; · IC <@U123> in <#C123|inc-1> a&lt;b"
    )


def test_fallback_text_cannot_be_rebuilt_from_a_stray_bracket() -> None:
    assert "<" not in safe_text.fallback("<https://evil|<@U1>").replace("<@U1>", "")


def test_a_message_fallback_is_escaped_and_its_blocks_keep_their_links() -> None:
    message = safe_message(
        {
            "text": "Declared from <https://acme.slack.com/p1|this message>",
            "blocks": [
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": "<https://acme.slack.com/p1|here>"}],
                }
            ],
        }
    )
    assert message["text"].startswith("Declared from &lt;https://")
    assert message["blocks"][0]["elements"][0]["text"] == "<https://acme.slack.com/p1|here>"


def test_a_topic_is_one_line_with_mentions_only() -> None:
    topic = safe_text.topic("SEV2 · IC: <@U1> · <!channel> <https://x|y>\n\u202eevil")
    assert topic == "SEV2 · IC: <@U1> · &lt;!channel&gt; &lt;https://x|y&gt; evil"
