"""Status, severity and milestone changes, and who may make them.

Each change is stored together with its timeline event in the caller's
transaction and described by a ``Change`` that the Slack side announces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from config import Severities
from config.lifecycle import LifecycleConfig, Statuses
from config.roles import Roles
from core import cadence, milestones, roles
from core.errors import Conflict, InvalidInput, PermissionDenied
from core.events import record_system_event
from storage.models import Incident, RoleAssignment
from storage.types import utcnow

STATUS, SEVERITY, RESOLVE, CLOSE, REOPEN = "status", "severity", "resolve", "close", "reopen"
TAKE_OVER, POSTMORTEM_DONE, TAG = "take_over", "postmortem_done", "tag"
# Milestones people set by hand; the others follow from commands.
MANUAL_MILESTONES = ("impact_started", "acknowledged", "mitigated")
MAX_NOTE = 2000
CLOCK_SKEW = timedelta(minutes=2)

VERBS = {
    STATUS: "change the status of",
    SEVERITY: "change the severity of",
    RESOLVE: "resolve",
    CLOSE: "close",
    REOPEN: "reopen",
    "assign_roles": "assign roles in",
    "update": "post status updates for",
    "impact": "record the impact of",
    "milestones": "set milestones of",
    TAKE_OVER: "take roles over from their holders in",
    POSTMORTEM_DONE: "mark the postmortem final for",
    TAG: "tag",
}


@dataclass
class Change:
    """What changed, for the announcement, the card and the hooks."""

    incident_id: int
    action: str  # the timeline action: status_changed, severity_changed, resolved, ...
    actor: str
    old: str
    new: str
    note: str = ""
    upgraded: bool = False  # severity went up
    louder: bool = False  # went up to one of the two most severe levels
    data: dict[str, Any] = field(default_factory=dict)


def _clip_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"That note is {len(note)} characters; keep it under {MAX_NOTE}.")
    return note


def _compare_and_set(session: Session, incident: Incident, field: str, new: str) -> str:
    """Move ``field`` on from the value this transaction read, or raise ``Conflict``.

    The UPDATE matches only while the row still holds the old value: a change
    committed by someone else since (PostgreSQL re-checks the condition once
    their lock is released) leaves no row to update, and the caller runs again
    on the new state rather than recording the same change twice.
    """
    old = getattr(incident, field)
    column = getattr(Incident, field)
    moved = session.execute(
        update(Incident).where(Incident.id == incident.id, column == old).values({field: new})
    )
    if moved.rowcount != 1:
        raise Conflict(f"{incident.reference} changed while you were changing it; try again.")
    return old


def _by(session: Session, incident: Incident, milestone: str) -> str:
    reached = milestones.get_all(session, incident).get(milestone)
    return f" by <@{reached.set_by}>" if reached is not None and reached.set_by else ""


def _who(allowed: frozenset[str], role_config: Roles) -> tuple[list[str], str]:
    """The allowed roles in configured order, and their names as "the IC or Deputy" reads."""
    ordered = [k for k in role_config.keys if k in allowed] + sorted(
        allowed - set(role_config.keys)
    )
    names = [role_config.name_of(k) for k in ordered]
    return ordered, names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _holds_any(session: Session, incident: Incident, allowed: frozenset[str], user_id: str) -> bool:
    holders = roles.current_holders(session, incident)
    return any(holders.get(role) == user_id for role in allowed)


def check_permission(
    session: Session,
    incident: Incident,
    action: str,
    user_id: str,
    config: LifecycleConfig,
    role_config: Roles,
) -> None:
    """Raise ``PermissionDenied`` saying who may, unless ``user_id`` holds an allowed role."""
    allowed = config.permissions.roles_for(action)
    if allowed is None or _holds_any(session, incident, allowed, user_id):
        return
    holders = roles.current_holders(session, incident)
    ordered, who = _who(allowed, role_config)
    current = [f"{role_config.name_of(k)}: <@{holders[k]}>" for k in ordered if k in holders]
    now_held = f" ({'; '.join(current)})" if current else ""
    raise PermissionDenied(
        f"Only the {who} can {VERBS.get(action, action)} {incident.reference}{now_held}. "
        "Ask them to do it, or to give you the role with `/incident role <role> @you`."
    )


def takeover_blocked_by(
    session: Session, incident: Incident, role_key: str, actor: str, config: LifecycleConfig
) -> RoleAssignment | None:
    """The holding ``actor`` may not end on their own, or None when they may go ahead.

    Anyone may take an empty role, holders may give theirs away, and a role
    without powers changes hands freely. Taking the IC (or another role that
    some action is limited to) from someone needs a role allowed to ``take_over``.
    """
    if role_key not in config.permissions.powerful_roles:
        return None
    holding = roles.current_holder(session, incident, role_key)
    if holding is None or holding.user_id == actor:
        return None
    allowed = config.permissions.roles_for(TAKE_OVER)
    if allowed is None or _holds_any(session, incident, allowed, actor):
        return None
    return holding


def who_may_take_over(config: LifecycleConfig, role_config: Roles) -> str:
    """Who may accept a request to take a role over, as a reply names them."""
    allowed = config.permissions.roles_for(TAKE_OVER)
    return _who(allowed, role_config)[1] if allowed else "anyone"


def release_refusal(
    incident: Incident, role_name: str, holding: RoleAssignment, who: str
) -> PermissionDenied:
    return PermissionDenied(
        f"Only the {who} can take {role_name} away from <@{holding.user_id}> in "
        f"{incident.reference}. Ask them, or <@{holding.user_id}> to run "
        "`/incident role <role> none`."
    )


def action_for_status(incident: Incident, target: str, statuses: Statuses) -> str:
    """The permission a move to ``target`` needs."""
    if target == statuses.resolved:
        return RESOLVE
    if target == statuses.closed:
        return CLOSE
    if not statuses.is_open(incident.status):
        return REOPEN
    return STATUS


def parse_status(text: str, statuses: Statuses) -> str:
    found = statuses.get(text)
    if found is None:
        raise InvalidInput(
            f"`{text}` is not a status. Use one of {', '.join(statuses.all)}, "
            "e.g. `/incident status identified Bad deploy of the pricing service`."
        )
    return found


def change_status(
    session: Session,
    incident: Incident,
    target: str,
    actor: str,
    note: str,
    config: LifecycleConfig,
    severities: Severities,
) -> Change:
    statuses = config.statuses
    target = parse_status(target, statuses)
    if target == statuses.resolved:
        return resolve(session, incident, actor, note, config)
    if target == statuses.closed:
        return close(session, incident, actor, config)
    if not statuses.is_open(incident.status):
        return reopen(session, incident, actor, config, severities, to_status=target, note=note)
    if target == incident.status:
        raise InvalidInput(f"{incident.reference} is already {target}.")
    note = _clip_note(note)
    old = _compare_and_set(session, incident, "status", target)
    text = f"Status changed from {old} to {target} by <@{actor}>" + (f": {note}" if note else "")
    record_system_event(
        session,
        incident,
        "status_changed",
        text,
        actor,
        **{"from": old, "to": target, "note": note},
    )
    return Change(incident.id, "status_changed", actor, old, target, note)


def parse_severity(text: str, severities: Severities) -> str:
    found = severities.get(text) if text.strip() else None
    if found is None:
        keys = ", ".join(severities.keys)
        raise InvalidInput(
            f"`{text or '(nothing)'}` is not a severity. Use one of {keys} (or its number), "
            "with a reason: `/incident sev 2 Errors now reach every region`."
        )
    return found.key


def change_severity(
    session: Session,
    incident: Incident,
    target: str,
    actor: str,
    reason: str,
    config: LifecycleConfig,
    severities: Severities,
) -> Change:
    key = parse_severity(target, severities)
    if key == incident.severity:
        raise InvalidInput(f"{incident.reference} is already {key}.")
    reason = _clip_note(reason)
    old_level = severities.get(incident.severity)
    new_level = severities[key]
    upgraded = old_level is None or new_level.level < old_level.level
    old = _compare_and_set(session, incident, "severity", key)
    now = utcnow()
    if config.statuses.is_open(incident.status):
        # The change is itself news; the new cadence counts from it.
        cadence.restart_clock(incident, new_level.update_cadence, now, config.statuses)
    direction = "raised" if upgraded else "lowered"
    text = f"Severity {direction} from {old} to {key} by <@{actor}>" + (
        f": {reason}" if reason else ""
    )
    record_system_event(
        session,
        incident,
        "severity_changed",
        text,
        actor,
        at=now,
        **{"from": old, "to": key, "reason": reason, "direction": "up" if upgraded else "down"},
    )
    louder = upgraded and new_level.level <= 2 and config.statuses.is_open(incident.status)
    return Change(incident.id, "severity_changed", actor, old, key, reason, upgraded, louder)


def resolve(
    session: Session, incident: Incident, actor: str, summary: str, config: LifecycleConfig
) -> Change:
    statuses = config.statuses
    if incident.status == statuses.resolved:
        by = _by(session, incident, "resolved")
        raise InvalidInput(f"{incident.reference} was already {statuses.resolved}{by}.")
    if incident.status == statuses.closed:
        raise InvalidInput(
            f"{incident.reference} is {statuses.closed}; reopen it first with `/incident reopen`."
        )
    summary = _clip_note(summary)
    now = utcnow()
    old = _compare_and_set(session, incident, "status", statuses.resolved)
    if summary:
        incident.summary = summary
    incident.next_update_due_at = None
    # Impact ends by the time it is resolved at the latest.
    milestones.set_milestone(session, incident, "mitigated", now, actor, overwrite=False)
    milestones.set_milestone(session, incident, "resolved", now, actor)
    text = f"Resolved by <@{actor}>" + (f": {summary}" if summary else "")
    record_system_event(
        session, incident, "resolved", text, actor, at=now, **{"from": old, "summary": summary}
    )
    return Change(incident.id, "resolved", actor, old, statuses.resolved, summary)


def close(session: Session, incident: Incident, actor: str, config: LifecycleConfig) -> Change:
    statuses = config.statuses
    if incident.status == statuses.closed:
        by = _by(session, incident, "closed")
        raise InvalidInput(f"{incident.reference} was already {statuses.closed}{by}.")
    if incident.status != statuses.resolved:
        raise InvalidInput(
            f"{incident.reference} is still {incident.status}; resolve it first with "
            "`/incident resolve <summary>`, then close it."
        )
    now = utcnow()
    _compare_and_set(session, incident, "status", statuses.closed)
    incident.next_update_due_at = None
    milestones.set_milestone(session, incident, "closed", now, actor)
    record_system_event(session, incident, "closed", f"Closed by <@{actor}>", actor, at=now)
    return Change(incident.id, "closed", actor, statuses.resolved, statuses.closed)


def reopen(
    session: Session,
    incident: Incident,
    actor: str,
    config: LifecycleConfig,
    severities: Severities,
    to_status: str | None = None,
    note: str = "",
) -> Change:
    statuses = config.statuses
    if statuses.is_open(incident.status):
        raise InvalidInput(
            f"{incident.reference} is open ({incident.status}); there is nothing to reopen."
        )
    target = to_status or statuses.initial
    if not statuses.is_open(target):
        raise InvalidInput(f"Reopen into one of {', '.join(statuses.active)}.")
    note = _clip_note(note)
    now = utcnow()
    old = _compare_and_set(session, incident, "status", target)
    milestones.clear(session, incident, "resolved")
    milestones.clear(session, incident, "closed")
    cadence.restart_clock(incident, cadence.cadence_for(severities, incident), now, statuses)
    text = f"Reopened by <@{actor}> as {target}" + (f": {note}" if note else "")
    record_system_event(
        session,
        incident,
        "reopened",
        text,
        actor,
        at=now,
        **{"from": old, "to": target, "note": note},
    )
    return Change(incident.id, "reopened", actor, old, target, note)


def parse_milestone(text: str) -> str:
    wanted = text.strip().lower().replace("-", "_")
    aliases = {"impact": "impact_started", "started": "impact_started", "ack": "acknowledged"}
    kind = aliases.get(wanted, wanted)
    if kind not in MANUAL_MILESTONES:
        raise InvalidInput(
            f"`{text or '(nothing)'}` is not a milestone you can set. Use impact-started, "
            "acknowledged or mitigated, with a time: `/incident milestone impact-started 13:50`."
        )
    return kind


def set_milestone_by_hand(
    session: Session, incident: Incident, kind: str, at: datetime, actor: str
) -> Change:
    if at > utcnow() + CLOCK_SKEW:
        raise InvalidInput("That time is in the future; milestones record what already happened.")
    previous = milestones.get_all(session, incident).get(kind)
    old = previous.at.isoformat() if previous else ""
    milestones.set_milestone(session, incident, kind, at, actor)
    label = kind.replace("_", " ")
    record_system_event(
        session,
        incident,
        "milestone_set",
        f"<@{actor}> set {label} to {at:%Y-%m-%d %H:%M} UTC",
        actor,
        milestone=kind,
        at_time=at.isoformat(),
    )
    return Change(
        incident.id, "milestone_set", actor, old, at.isoformat(), data={"milestone": kind}
    )
