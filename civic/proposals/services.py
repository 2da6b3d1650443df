"""Proposal rules: who may submit, edit, withdraw and support, when, and what staff may decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from civic.accounts.confirmation import require_confirmed
from civic.accounts.models import User
from civic.accounts.personal_data import register_exporter
from civic.city.models import District
from civic.comments.models import Comment, CommentThread
from civic.comments.policy import ThreadRules, register_policy
from civic.comments.services import body_to_html, body_to_text
from civic.config import LANGUAGES
from civic.core import audit
from civic.core.errors import DomainError, NotAllowed
from civic.extensions import db
from civic.notifications.services import notify_people
from civic.plans.models import DIMENSIONS, Goal
from civic.processes.models import Process
from civic.processes.services import local_date, require_staff
from civic.proposals import photos
from civic.proposals.models import PROPOSAL_THREAD_KIND, Proposal, Support

TITLE_MAX_LENGTH = 150
BODY_MAX_LENGTH = 5000
OPEN_STATUSES = ("published", "under_review")  # still discussed, supported and editable
STAFF_STATUSES = ("published", "under_review", "accepted", "rejected", "merged")
audit.register_actions({
    "proposal.status_set": _l("Set the status of a proposal"),
    "proposal.recorded_on_behalf": _l("Recorded a proposal received by phone or in person"),
})
audit.register_subject_types({"proposal": _l("proposal")})


@dataclass
class ProposalData:
    title: str
    body: str
    category: str  # "goal:<id>" or "dimension:<code>"
    district_id: int | None
    language: str
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    show_name: bool = False
    photo: bytes | None = None  # the upload as received; re-encoded here
    photo_alt: str = ""
    remove_photo: bool = False


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.deleted_at is None


def _require_can_post(actor: User | None) -> User:
    if not _signed_in(actor):
        raise NotAllowed(_l("Sign in to take part."))
    if actor.is_blocked:
        raise NotAllowed(_l("A moderator has blocked your account, so you cannot post or support proposals. "
                            "You can still read everything."))
    require_confirmed(actor)
    return actor


def check_can_submit(actor: User | None, process: Process, now: datetime) -> None:
    _require_can_post(actor)
    if not process.accepts_proposals(local_date(now)):
        raise DomainError(_l("This process is not accepting proposals now."))


def category_goals(process: Process) -> list[Goal]:
    """The goals of every plan the process is linked to: a proposal may serve any of them."""
    plan_ids = {goal.plan_id for goal in process.goals}
    if not plan_ids:
        return []
    return list(db.session.scalars(sa.select(Goal).where(Goal.plan_id.in_(plan_ids))
                                   .order_by(Goal.plan_id, Goal.number)))


def _category(process: Process, value: str) -> tuple[int | None, str | None]:
    kind, _sep, code = (value or "").partition(":")
    if kind == "dimension" and code in DIMENSIONS:
        return None, code
    if kind == "goal" and code.isdigit() and int(code) in {goal.id for goal in category_goals(process)}:
        return int(code), None
    raise DomainError(_l("Choose a category from the list."), "category")


def _apply(proposal: Proposal, process: Process, data: ProposalData) -> None:
    """Check everything a resident typed and copy it onto the proposal."""
    title = " ".join((data.title or "").split())
    if not title:
        raise DomainError(_l("Enter a title for your proposal."), "title")
    if len(title) > TITLE_MAX_LENGTH:
        raise DomainError(_l("Use at most %(max)d characters.", max=TITLE_MAX_LENGTH), "title")
    body = (data.body or "").strip()
    if not body:
        raise DomainError(_l("Describe your proposal."), "body")
    if len(body) > BODY_MAX_LENGTH:
        raise DomainError(_l("Use at most %(max)d characters.", max=BODY_MAX_LENGTH), "body")
    if data.language not in LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), "language")
    goal_id, dimension = _category(process, data.category)
    district_id = data.district_id
    if process.district_id is not None:
        if district_id not in (None, process.district_id):
            raise DomainError(_l("This process is for another district."), "district")
        district_id = process.district_id
    elif district_id is not None and db.session.get(District, district_id) is None:
        raise DomainError(_l("Choose a district from the list."), "district")
    if (data.latitude is None) != (data.longitude is None):
        raise DomainError(_l("Enter both the latitude and the longitude, or neither."),
                          "longitude" if data.longitude is None else "latitude")
    if data.latitude is not None and not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180):
        raise DomainError(_l("Enter a latitude between -90 and 90 and a longitude between -180 and 180."),
                          "latitude")
    alt = " ".join((data.photo_alt or "").split())
    keeps_photo = proposal.photo_type is not None and not data.remove_photo
    if (data.photo or keeps_photo) and not alt:
        raise DomainError(_l("Describe the photo for people who cannot see it."), "photo_alt")
    if data.photo:
        proposal.photo, proposal.photo_type = photos.reencode(data.photo), photos.STORED_TYPE
    elif data.remove_photo:
        proposal.photo, proposal.photo_type = None, None
    proposal.photo_alt = alt[:300] if proposal.photo_type else ""
    proposal.title, proposal.body, proposal.goal_id, proposal.dimension = title, body_to_html(body), goal_id, dimension
    proposal.district_id, proposal.address = district_id, " ".join((data.address or "").split())[:200]
    proposal.latitude, proposal.longitude = data.latitude, data.longitude
    proposal.language = data.language


def submit_proposal(actor: User | None, process: Process, data: ProposalData, now: datetime) -> Proposal:
    check_can_submit(actor, process, now)
    proposal = Proposal(process=process, author=actor, channel="online", show_name=bool(data.show_name),
                        awaiting_approval=process.premoderation, created_at=now, updated_at=now,
                        thread=CommentThread(kind=PROPOSAL_THREAD_KIND, created_at=now))
    _apply(proposal, process, data)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def record_on_behalf(staff: User | None, process: Process, data: ProposalData, channel: str,
                     now: datetime) -> Proposal:
    """A proposal received by phone or in person, typed in by staff. The resident stays anonymous."""
    require_staff(staff)
    if channel not in ("phone", "in_person"):
        raise DomainError(_l("Choose how the proposal was received."), "channel")
    if not (process.channel_phone if channel == "phone" else process.channel_in_person):
        raise DomainError(_l("This process does not take proposals that way."), "channel")
    if not process.accepts_proposals(local_date(now)):
        raise DomainError(_l("This process is not accepting proposals now."))
    proposal = Proposal(process=process, author=staff, recorded_by=staff, channel=channel, show_name=False,
                        awaiting_approval=False, created_at=now, updated_at=now,
                        thread=CommentThread(kind=PROPOSAL_THREAD_KIND, created_at=now))
    data.show_name = False
    _apply(proposal, process, data)
    db.session.add(proposal)
    db.session.flush()
    audit.record(staff, "proposal.recorded_on_behalf", subject_type="proposal", subject_id=proposal.id, now=now,
                 details={"channel": channel, "process_id": process.id})
    return proposal


def comment_count(proposal: Proposal) -> int:
    return db.session.scalar(sa.select(sa.func.count(Comment.id)).where(Comment.thread_id == proposal.thread_id))


def is_author(actor: User | None, proposal: Proposal) -> bool:
    return _signed_in(actor) and proposal.author_id == actor.id


def check_can_edit(actor: User | None, proposal: Proposal) -> None:
    if not is_author(actor, proposal):
        raise NotAllowed(_l("Only the author can change a proposal."))
    _require_can_post(actor)
    if proposal.status not in OPEN_STATUSES or proposal.hidden_at is not None:
        raise DomainError(_l("This proposal can no longer be changed."))
    if proposal.support_count > 0 or comment_count(proposal) > 0:
        raise DomainError(_l("People have already supported or commented on this proposal, so it can no longer "
                             "be changed: what they responded to must stay as it was."))


def can_edit(actor: User | None, proposal: Proposal) -> bool:
    try:
        check_can_edit(actor, proposal)
    except DomainError:
        return False
    return True


def edit_proposal(actor: User | None, proposal: Proposal, data: ProposalData, now: datetime) -> None:
    check_can_edit(actor, proposal)
    if proposal.channel == "online":
        proposal.show_name = bool(data.show_name)
    _apply(proposal, proposal.process, data)
    proposal.updated_at = now


def check_can_withdraw(actor: User | None, proposal: Proposal) -> None:
    if not is_author(actor, proposal):
        raise NotAllowed(_l("Only the author can withdraw a proposal."))
    if proposal.status not in OPEN_STATUSES:
        raise DomainError(_l("This proposal can no longer be withdrawn."))


def withdraw_proposal(actor: User | None, proposal: Proposal, now: datetime) -> None:
    check_can_withdraw(actor, proposal)
    proposal.status, proposal.updated_at = "withdrawn", now
    _tell_status(actor, proposal, now)


def set_status(actor: User | None, proposal: Proposal, status: str, reason: str, merged_into: Proposal | None,
               now: datetime) -> None:
    require_staff(actor)
    if status not in STAFF_STATUSES:
        raise DomainError(_l("Choose a status from the list."), "status")
    if proposal.status == "withdrawn":
        raise DomainError(_l("Its author has withdrawn this proposal."))
    reason = (reason or "").strip()
    if status == "rejected" and not reason:
        raise DomainError(_l("Explain publicly why the proposal is rejected. Residents read this reason."), "reason")
    if status == "merged":
        if merged_into is None:
            raise DomainError(_l("Choose the proposal this one is merged into."), "merged_into")
        if merged_into.id == proposal.id or merged_into.process_id != proposal.process_id:
            raise DomainError(_l("Choose another proposal of the same process."), "merged_into")
    changed = proposal.status != status
    audit.record(actor, "proposal.status_set", subject_type="proposal", subject_id=proposal.id, now=now,
                 details={"from": proposal.status, "to": status, "reason": reason,
                          "merged_into": merged_into.id if status == "merged" else None})
    proposal.status, proposal.status_reason = status, reason
    proposal.merged_into_id = merged_into.id if status == "merged" else None
    proposal.updated_at = now
    if changed:
        _tell_status(actor, proposal, now)


def _tell_status(actor: User, proposal: Proposal, now: datetime) -> None:
    """Followers and the author hear about a new status, unless the proposal is hidden (notifications area)."""
    if proposal.hidden_at is None and not proposal.awaiting_approval:
        notify_people("proposal", proposal.id, "proposal_status", params={"title": proposal.title,
                      "status": proposal.status}, url=f"/proposals/{proposal.id}", actor=actor, now=now,
                      also=[proposal.author_id])


def check_can_support(actor: User | None, proposal: Proposal) -> User:
    actor = _require_can_post(actor)
    if proposal.hidden_at is not None or proposal.awaiting_approval:
        raise DomainError(_l("This proposal cannot be supported now."))
    if proposal.status in ("withdrawn", "rejected", "merged"):
        raise DomainError(_l("This proposal is closed, so supports can no longer change."))
    return actor


def has_supported(actor: User | None, proposal: Proposal) -> bool:
    if not _signed_in(actor):
        return False
    return db.session.scalar(sa.select(Support.id).where(Support.proposal_id == proposal.id,
                                                         Support.user_id == actor.id)) is not None


def _bump(proposal: Proposal, step: int) -> None:
    # In SQL, so two people supporting at the same moment both count.
    db.session.execute(sa.update(Proposal).where(Proposal.id == proposal.id)
                       .values(support_count=Proposal.support_count + step)
                       .execution_options(synchronize_session=False))
    db.session.refresh(proposal, attribute_names=["support_count"])


def toggle_support(actor: User | None, proposal: Proposal, now: datetime, wanted: bool | None = None) -> bool:
    """Support or withdraw support. `wanted` (from the form) makes a double submission harmless.
    Returns whether the actor supports the proposal afterwards."""
    actor = check_can_support(actor, proposal)
    if wanted is None:
        wanted = not has_supported(actor, proposal)
    if not wanted:
        removed = db.session.execute(sa.delete(Support).where(Support.proposal_id == proposal.id,
                                                              Support.user_id == actor.id)).rowcount
        if removed:
            _bump(proposal, -removed)
        return False
    try:
        # The unique constraint decides; the savepoint keeps the transaction usable when it says no.
        with db.session.begin_nested():
            db.session.add(Support(proposal_id=proposal.id, user_id=actor.id, created_at=now))
            db.session.flush()
    except IntegrityError:
        return True  # already supported: nothing changes
    _bump(proposal, 1)
    return True


def can_see(viewer: User | None, proposal: Proposal) -> bool:
    """Proposals awaiting approval are seen only by their author and by moderators."""
    if not proposal.awaiting_approval:
        return True
    return _signed_in(viewer) and (viewer.id == proposal.author_id or viewer.can_moderate)


def can_see_content(viewer: User | None, proposal: Proposal) -> bool:
    """Hidden proposals show a notice instead of their content, except to moderators."""
    return proposal.hidden_at is None or bool(_signed_in(viewer) and viewer.can_moderate)


def proposal_thread_rules(thread: CommentThread, now: datetime) -> ThreadRules:
    proposal = db.session.scalars(sa.select(Proposal).where(Proposal.thread_id == thread.id)).one()
    url = url_for("proposals.detail", proposal_id=proposal.id)
    if proposal.hidden_at is not None or proposal.awaiting_approval:
        return ThreadRules(open=False, stance=False, return_url=url,
                           closed_message=str(_l("Comments are closed on this proposal.")))
    if proposal.status == "withdrawn":
        return ThreadRules(open=False, stance=False, return_url=url,
                           closed_message=str(_l("Its author has withdrawn this proposal, so comments are closed.")))
    if proposal.status not in OPEN_STATUSES:
        return ThreadRules(open=False, stance=False, return_url=url,
                           closed_message=str(_l("A decision has been made on this proposal, so comments are closed.")))
    # In a pre-moderated process, comments wait for a moderator like proposals do.
    # In a pre-moderated process, comments wait for a moderator like proposals do.
    return ThreadRules(open=True, stance=False, return_url=url, premoderated=proposal.process.premoderation)


register_policy(PROPOSAL_THREAD_KIND, proposal_thread_rules)


def export_proposals(user: User) -> list[dict]:
    """The proposals this person wrote (not those staff recorded for others under their account)."""
    rows = db.session.scalars(sa.select(Proposal).where(Proposal.author_id == user.id, Proposal.channel == "online")
                              .order_by(Proposal.id))
    return [{"id": p.id, "process_id": p.process_id, "title": p.title, "text": body_to_text(p.body),
             "language": p.language, "status": p.status, "district_id": p.district_id, "address": p.address,
             "latitude": None if p.latitude is None else float(p.latitude),
             "longitude": None if p.longitude is None else float(p.longitude),
             "photo_alt": p.photo_alt if p.photo_type else None, "show_name": p.show_name,
             "created_at": p.created_at.isoformat(), "hidden_reason": p.hidden_reason} for p in rows]


def export_supports(user: User) -> list[dict]:
    rows = db.session.scalars(sa.select(Support).where(Support.user_id == user.id).order_by(Support.id))
    return [{"proposal_id": s.proposal_id, "created_at": s.created_at.isoformat()} for s in rows]


register_exporter("proposals", export_proposals)
register_exporter("supports", export_supports)
