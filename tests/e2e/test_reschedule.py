"""Lining up reminder jobs reads the job table, without unpickling every stored job."""

from __future__ import annotations

import pickle

from sqlalchemy import func, select

from bot.workflows import reminders
from core import cadence
from tests.e2e.lifecycle_helpers import declare, reload
from tests.support.harness import RunningBot

UNPICKLED: list[str] = []


def _unpickled() -> dict:
    UNPICKLED.append("job")
    return {}


class StoredJob:
    """A stored job that counts how often it is unpickled."""

    def __reduce__(self) -> tuple:
        return (_unpickled, ())


def test_reschedule_does_not_unpickle_other_stored_jobs(bot: RunningBot) -> None:
    incident = declare(bot)
    scheduler = bot.services.scheduler
    assert scheduler is not None
    table = scheduler.jobstore.jobs_t
    state = pickle.dumps(StoredJob())
    rows = [{"id": f"other:{n}", "next_run_time": 4e9, "job_state": state} for n in range(50)]
    with bot.services.db.engine.begin() as connection:
        connection.execute(table.insert().values(rows))
    UNPICKLED.clear()
    reminders.reschedule(bot.services, incident.id)
    assert UNPICKLED == []
    due = reload(bot, incident.id).next_update_due_at
    assert due is not None
    wanted = reminders.job_id(cadence.REMIND, incident.id, cadence.key_for(due))
    assert set(scheduler.stored_jobs(f"{cadence.REMIND}:{incident.id}:")) == {wanted}
    with bot.services.db.engine.connect() as connection:
        others = connection.execute(
            select(func.count()).select_from(table).where(table.c.id.like("other:%"))
        ).scalar()
    assert others == 50
