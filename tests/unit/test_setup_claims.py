"""Setup claims: one run at a time, a stale claim can be taken over, a lost claim writes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from config import load_settings
from core import incidents, setup_claims
from storage.db import Database
from storage.models import SETUP_INCOMPLETE, Incident
from storage.types import utcnow

SEVERITIES = load_settings({}).config.severities


def declared(db: Database, owner: str) -> Incident:
    request = incidents.DeclareRequest(team_id="T1", title="Checkout down", declared_by="UANN")
    return incidents.open_incident(db, request, SEVERITIES, owner=owner)


def age_claim(db: Database, incident_id: int) -> None:
    with db.session() as session:
        session.execute(
            update(Incident)
            .where(Incident.id == incident_id)
            .values(setup_claimed_at=utcnow() - setup_claims.STALE_AFTER - timedelta(seconds=1))
        )


def row(db: Database, incident_id: int) -> Incident:
    with db.session() as session:
        return session.get_one(Incident, incident_id)


def test_a_live_claim_keeps_other_runs_out_until_it_goes_stale(db: Database) -> None:
    incident = declared(db, "declare")
    assert setup_claims.claim(db, incident.id, "declare")  # renewing one's own
    assert not setup_claims.claim(db, incident.id, "retry")
    assert not setup_claims.record(db, incident.id, "retry", channel_id="CTHEIRS")
    assert setup_claims.record(db, incident.id, "declare", channel_id="COURS")
    assert not setup_claims.record(db, incident.id, "declare", channel_id="CAGAIN")
    assert row(db, incident.id).channel_id == "COURS"
    assert setup_claims.unfinished(db) == []  # nobody may retry a declare in progress

    age_claim(db, incident.id)
    assert setup_claims.unfinished(db) == [incident.id]
    assert setup_claims.claim(db, incident.id, "retry")
    # The first run, back from a long stall, can no longer write or finish.
    assert not setup_claims.record(db, incident.id, "declare", card_ts="1.1")
    assert not setup_claims.finish(db, incident.id, "declare", SETUP_INCOMPLETE)
    assert setup_claims.finish(db, incident.id, "retry", SETUP_INCOMPLETE)
    assert (row(db, incident.id).setup_owner, row(db, incident.id).setup_state) == (
        None,
        SETUP_INCOMPLETE,
    )
    assert setup_claims.unfinished(db) == [incident.id]  # free again for the next retry


def test_a_ready_incident_cannot_be_claimed(db: Database) -> None:
    incident = declared(db, "declare")
    setup_claims.record(db, incident.id, "declare", channel_id="C1")
    assert setup_claims.finish(db, incident.id, "declare", "ready")
    assert not setup_claims.claim(db, incident.id, "retry")
    assert setup_claims.unfinished(db) == []
