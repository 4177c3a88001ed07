"""Sitrep's Slack emulator: a stateful Slack Web API and Socket Mode server for tests.

Usage::

    from emulator import SlackEmulator
    emu = SlackEmulator().start()
    client = WebClient(base_url=emu.api_url, token=emu.bot_token)
"""

from emulator.slack_emulator import SlackEmulator

__all__ = ["SlackEmulator"]
