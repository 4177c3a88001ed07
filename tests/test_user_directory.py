"""Plain @names resolved from a directory of the workspace, read from the emulator."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.user_directory import UserDirectory
from emulator import SlackEmulator
from tests.support.harness import BOT_TOKEN


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_names_are_read_once_then_refreshed_on_schedule_or_after_a_late_miss(
    slack: SlackEmulator,
) -> None:
    client = WebClient(base_url=slack.api_url, token=BOT_TOKEN)
    clock = Clock()
    directory = UserDirectory(refresh_every=900, miss_refresh_every=60, clock=clock)

    assert directory.find(client, "@carol") == "UCAROL"
    assert directory.find(client, "Carol Chen") == "UCAROL"
    assert directory.find(client, "carolchen") == "UCAROL"
    assert directory.find(client, "nobody") is None
    assert directory.reads == 1  # the miss came too soon after the read to read again

    slack.add_user("UERIN", name="erin", real_name="Erin Eve", tz="UTC", tz_offset=0)
    assert directory.find(client, "erin") is None
    clock.now = 61
    assert directory.find(client, "erin") == "UERIN"  # a miss, a minute on: read again
    assert directory.reads == 2

    clock.now = 61 + 900
    assert directory.find(client, "carol") == "UCAROL"
    assert directory.reads == 3  # the schedule


def test_many_pages_are_all_read(slack: SlackEmulator) -> None:
    for n in range(450):
        slack.add_user(f"UX{n:04d}", name=f"person{n}", real_name=f"Person {n}")
    client = WebClient(base_url=slack.api_url, token=BOT_TOKEN)
    directory = UserDirectory()
    assert directory.find(client, "person449") == "UX0449"
    assert len(slack.calls_to("users.list")) == 3  # 454 people, 200 a page
