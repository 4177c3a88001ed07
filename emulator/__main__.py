"""``python -m emulator --port 3001``: run the emulator for local development.

Prints the environment the bot needs (SLACK_API_URL and tokens), seeds alice,
bob and carol with #incidents and #general unless ``--empty``, and serves until
Ctrl-C or SIGTERM.

With ``--app-url`` (and the signing secret, best given as
``EMULATOR_SIGNING_SECRET`` so it stays out of the process list) it is also the
sandbox: the page at ``/`` and signed requests to the app, as Slack sends them.
``sitrep sandbox`` starts it this way.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from types import FrameType

from emulator.sandbox import Sandbox
from emulator.slack_emulator import SlackEmulator

PEOPLE = [
    # id, name, real name, tz, offset (winter), e-mail
    ("U0LOCAL01", "alice", "Alice Adams", "Europe/London", 0, "alice@example.com"),
    ("U0LOCAL02", "bob", "Bob Brown", "America/New_York", -18000, "bob@example.com"),
    ("U0LOCAL03", "carol", "Carol Chen", "Asia/Tokyo", 32400, "carol@example.com"),
]


def _options(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Slack emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--bot-token", default=env("EMULATOR_BOT_TOKEN", "xoxb-local"))
    parser.add_argument("--app-token", default=env("EMULATOR_APP_TOKEN", "xapp-local"))
    parser.add_argument("--team-id", default="T0000001")
    parser.add_argument("--bot-user-id", default="UBOT")
    parser.add_argument("--empty", action="store_true", help="do not seed users and channels")
    sandbox = parser.add_argument_group("sandbox (the page at / and requests to an app)")
    sandbox.add_argument("--app-url", default="", help="where Slack would send requests")
    sandbox.add_argument(
        "--signing-secret",
        default=env("EMULATOR_SIGNING_SECRET", ""),
        help="signs requests to the app (or EMULATOR_SIGNING_SECRET)",
    )
    sandbox.add_argument("--control-url", default="", help="the app's sandbox job endpoint")
    sandbox.add_argument(
        "--shortcut",
        action="append",
        default=[],
        metavar="CALLBACK_ID=NAME",
        help="a message shortcut the app offers",
    )
    sandbox.add_argument("--parent-pid", type=int, default=0, help="stop when this process is gone")
    return parser.parse_args(argv)


def _seed(emu: SlackEmulator) -> None:
    for user_id, name, real_name, tz, offset, email in PEOPLE:
        emu.add_user(user_id, name, real_name, tz=tz, tz_offset=offset, email=email)
    everyone = [p[0] for p in PEOPLE]
    emu.add_channel("incidents", members=everyone, purpose="Incident announcements")
    emu.add_channel("general", members=everyone, purpose="Everything else")


def _watch_parent(parent: int, stop: threading.Event) -> None:
    """When the process that started us dies without stopping us, stop anyway."""
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


def main(argv: list[str] | None = None) -> None:
    """Parse options, start, print the settings, wait."""
    options = _options(argv)
    emu = SlackEmulator(
        bot_token=options.bot_token,
        app_token=options.app_token,
        team_id=options.team_id,
        bot_user_id=options.bot_user_id,
    )
    if options.app_url:
        shortcuts = dict(s.split("=", 1) for s in options.shortcut if "=" in s)
        Sandbox(
            emu,
            options.app_url,
            options.signing_secret,
            control_url=options.control_url,
            control_token=os.environ.get("EMULATOR_CONTROL_TOKEN", ""),
            shortcuts=shortcuts,
        )
    if not options.empty:
        _seed(emu)
    emu.start(port=options.port, host=options.host)
    print(f"SLACK_API_URL={emu.api_url}")
    if not options.app_url:
        print(f"SLACK_BOT_TOKEN={options.bot_token}")
        print(f"SLACK_APP_TOKEN={options.app_token}")
        print(f"state: GET {emu.base_url}/_emulator/state")
        slash = '{"command": "/incident", "text": "..."}'
        print(f"slash command: POST {emu.base_url}/_emulator/slash {slash}")
    else:
        print(f"sandbox page: {emu.base_url}/")
    print("ready", flush=True)

    stop = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    if options.parent_pid:
        threading.Thread(target=_watch_parent, args=(options.parent_pid, stop), daemon=True).start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()


if __name__ == "__main__":
    main()
