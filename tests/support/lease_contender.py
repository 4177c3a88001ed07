"""One process contending for the scheduler lease, driven line by line over stdin.

    python -m tests.support.lease_contender <database-url>

It answers ``ready`` once connected. Each ``try <unix-time>`` line makes it
wait until that moment and then try to take the lease once, answering
``leader`` or ``follower``; two of these given the same moment contend as
two Sitrep processes starting together would. ``release`` gives the lease
up (answering ``released``), ``quit`` ends it.
"""

from __future__ import annotations

import sys
import time

from scheduler.leader import Leadership
from storage.db import Database


def main(url: str) -> None:
    leadership = Leadership(Database(url))
    print("ready", flush=True)
    for line in sys.stdin:
        word, _, rest = line.strip().partition(" ")
        if word == "quit":
            break
        if word == "try":
            at = float(rest)
            while time.time() < at:
                pass  # spin: a sleep wakes too late to line two processes up
            print("leader" if leadership.try_acquire() else "follower", flush=True)
        elif word == "release":
            leadership.release()
            print("released", flush=True)
    leadership.release()


if __name__ == "__main__":
    main(sys.argv[1])
