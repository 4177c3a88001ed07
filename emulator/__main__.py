"""``python -m emulator --port 3001``: run the emulator for local development.

Prints the environment the bot needs (SLACK_API_URL and tokens), seeds a few
users and an #incidents channel unless ``--empty``, and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import threading

from emulator.slack_emulator import SlackEmulator


def main(argv: list[str] | None = None) -> None:
    """Parse options, start, print the settings, wait."""
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Slack emulator")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--bot-token", default="xoxb-local")
    parser.add_argument("--app-token", default="xapp-local")
    parser.add_argument("--team-id", default="T0000001")
    parser.add_argument("--bot-user-id", default="UBOT")
    parser.add_argument("--empty", action="store_true", help="do not seed users and channels")
    options = parser.parse_args(argv)

    emu = SlackEmulator(
        bot_token=options.bot_token,
        app_token=options.app_token,
        team_id=options.team_id,
        bot_user_id=options.bot_user_id,
    )
    if not options.empty:
        emu.add_user(
            "U0LOCAL01", "alice", "Alice Local", tz="Europe/London", email="alice@example.com"
        )
        emu.add_user(
            "U0LOCAL02",
            "bob",
            "Bob Local",
            tz="America/New_York",
            tz_offset=-18000,
            email="bob@example.com",
        )
        emu.add_channel("incidents", members=["U0LOCAL01", "U0LOCAL02"])
    emu.start(port=options.port)
    print(f"SLACK_API_URL={emu.api_url}")
    print(f"SLACK_BOT_TOKEN={options.bot_token}")
    print(f"SLACK_APP_TOKEN={options.app_token}")
    print(f"state: GET {emu.base_url}/_emulator/state")
    slash = '{"command": "/incident", "text": "..."}'
    print(f"slash command: POST {emu.base_url}/_emulator/slash {slash}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()


if __name__ == "__main__":
    main()
