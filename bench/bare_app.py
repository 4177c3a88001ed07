"""The baseline for the capture benchmark: a Bolt app that only acknowledges message events.

Served exactly like ``sitrep serve`` (waitress, same thread count, same path),
so the difference between the two is what Sitrep does per event.
"""

from __future__ import annotations

import argparse
import logging

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress.server import create_server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--signing-secret", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = App(
        client=WebClient(base_url=args.api_url, token=args.token),
        signing_secret=args.signing_secret,
        token_verification_enabled=False,
    )

    @app.event("message")
    def acknowledge_only() -> None:
        return None

    handler = SlackRequestHandler(app, path="/slack/events")
    server = create_server(handler, host="127.0.0.1", port=args.port, threads=args.threads)
    print(f"bare app listening on {args.port}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
