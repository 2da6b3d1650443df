"""Process rules: only staff run processes; phases, scope, channels and what residents decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import has_app_context
from flask_babel import get_timezone
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from civic.accounts.models import User
from civic.city.models import District
from civic.core import audit
from civic.core.errors import DomainError, NotAllowed
from civic.core.i18n import set_text
from civic.extensions import db
from civic.plans.models import Goal
from civic.processes.models import PHASES, Process, ProcessPhase

PHASE_LABELS = {
    "information": _l("Information"),
    "proposals": _l("Proposals"),
    "deliberation": _l("Deliberation"),
    "voting": _l("Voting"),
    "implementation": _l("Implementation"),
}
CHANNEL_LABELS = {"online": _l("online"), "phone": _l("by phone"), "in_person": _l("in person")}
audit.register_actions({"process.saved": _l("Saved a participatory process")})
audit.register_subject_types({"process": _l("participatory process")})


def can_manage(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_staff)


def require_staff(actor: User | None) -> None:
    if not can_manage(actor):
        raise NotAllowed(_l("Only city staff can run participatory processes."))


def local_date(now: datetime) -> date:
    """Phases are calendar days in the city's time zone (UTC outside the app, as in scripts)."""
    return now.astimezone(get_timezone() if has_app_context() else UTC).date()


@dataclass
class ProcessData:
    title: str
    description: str
    decides: str
    impacts: str
    district_id: int | None  # None: the whole city
    channel_online: bool
    channel_phone: bool
    channel_in_person: bool
    premoderation: bool
    phases: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)
    goal_ids: list[int] = field(default_factory=list)


def _checked_phases(phases: dict[str, tuple[date | None, date | None]]) -> dict[str, tuple[date, date]]:
    checked = {}
    for kind in PHASES:
        starts, ends = phases.get(kind, (None, None))
        if starts is None and ends is None:
            continue
        if starts is None or ends is None:
            raise DomainError(_l("%(phase)s: enter both dates, or leave both empty.", phase=PHASE_LABELS[kind]),
                              f"{kind}_starts" if starts is None else f"{kind}_ends")
        if ends < starts:
            raise DomainError(_l("%(phase)s: the end date must be on or after the start date.",
                                 phase=PHASE_LABELS[kind]), f"{kind}_ends")
        checked[kind] = (starts, ends)
    return checked


def save_process(actor: User | None, process: Process | None, data: ProcessData, *, language: str,
                 now: datetime) -> Process:
    require_staff(actor)
    if not (data.channel_online or data.channel_phone or data.channel_in_person):
        raise DomainError(_l("Choose at least one way residents can take part."), "channel_online")
    if data.district_id is not None and db.session.get(District, data.district_id) is None:
        raise DomainError(_l("Choose a district from the list."), "scope")
    goals = list(db.session.scalars(sa.select(Goal).where(Goal.id.in_(data.goal_ids)))) if data.goal_ids else []
    if len(goals) != len(set(data.goal_ids)):
        raise DomainError(_l("Choose goals from the list."), "goals")
    phases = _checked_phases(data.phases)
    before = audit.snapshot(process)
    old_phases = [(phase.kind, phase.starts_on, phase.ends_on) for phase in process.phases] if process else []
    if process is None:
        process = Process(original_language=language, created_at=now)
        db.session.add(process)
    for name, value in (("titles", data.title), ("descriptions", data.description), ("decides", data.decides),
                        ("impacts", data.impacts)):
        set_text(process, name, language, value)
    original = process.original_language
    for name, form_field, label in (("titles", "title", _l("title")),
                                    ("decides", "decides", _l("what residents decide")),
                                    ("impacts", "impacts", _l("how the outcome will affect residents"))):
        if not (getattr(process, name) or {}).get(original):
            raise DomainError(_l("Enter the %(field)s in the process's original language.", field=label), form_field)
    process.district_id = data.district_id
    process.channel_online, process.channel_phone = data.channel_online, data.channel_phone
    process.channel_in_person, process.premoderation = data.channel_in_person, data.premoderation
    existing = {phase.kind: phase for phase in process.phases}
    for kind in PHASES:
        phase = existing.get(kind)
        if kind not in phases:
            if phase is not None:
                process.phases.remove(phase)
            continue
        if phase is None:
            phase = ProcessPhase(kind=kind)
            process.phases.append(phase)
        phase.starts_on, phase.ends_on = phases[kind]
    process.phases.sort(key=lambda phase: phase.starts_on)
    process.goals = goals
    changed = audit.changed_since(before, process)
    if [(phase.kind, phase.starts_on, phase.ends_on) for phase in process.phases] != old_phases:
        changed = sorted({*changed, "phases"})
    db.session.flush()
    audit.record(actor, "process.saved", subject_type="process", subject_id=process.id, now=now,
                 details={"created": True} if before is None else {"changed": changed})
    return process


@dataclass(frozen=True)
class Stage:
    """Where a process stands on a given day, for a sentence in words (see processes/_macros.html)."""

    key: str  # proposals_open, proposals_soon, voting, ended, phase, upcoming, unscheduled
    starts: date | None = None
    ends: date | None = None
    phase: str | None = None


def stage(process: Process, today: date) -> Stage:
    phases = process.phases
    if not phases:
        return Stage("unscheduled")
    if today > max(phase.ends_on for phase in phases):
        return Stage("ended")
    proposals, voting = process.phase("proposals"), process.phase("voting")
    if proposals and proposals.starts_on <= today <= proposals.ends_on:
        return Stage("proposals_open", proposals.starts_on, proposals.ends_on)
    if proposals and today < proposals.starts_on:
        return Stage("proposals_soon", proposals.starts_on, proposals.ends_on)
    if voting and today <= voting.ends_on:
        return Stage("voting", voting.starts_on, voting.ends_on)
    current = process.current_phase(today)
    if current is not None:
        return Stage("phase", current.starts_on, current.ends_on, current.kind)
    following = min((p for p in phases if p.starts_on > today), key=lambda p: p.starts_on)
    return Stage("upcoming", following.starts_on, following.ends_on, following.kind)


def channels(process: Process) -> list[str]:
    return [code for code, offered in (("online", process.channel_online), ("phone", process.channel_phone),
                                       ("in_person", process.channel_in_person)) if offered]


def list_processes() -> list[Process]:
    return list(db.session.scalars(sa.select(Process).options(selectinload(Process.phases),
                                                              selectinload(Process.district))
                                   .order_by(Process.created_at.desc(), Process.id.desc())))
