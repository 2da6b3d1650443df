"""Four eyes on verification: a document that is not on the eligibility list needs two staff members.

One staff member who sees a document that is not on the list can only ask: the request keeps the
keyed hash of the number (never the number), the district and who asked. A different staff member
approves it by typing the number from the document again, which must give the same hash, or
refuses it. Until then there is no voter, so no ballot can be entered for that document. With
OFF_LIST_VERIFICATION = "refuse" such documents are refused outright.

The database holds the same line: a CHECK refuses a decision by the requester (who may only
withdraw), and a trigger refuses an in-person voter whose document is neither listed nor approved.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.budgets.eligibility import document_hash, normalise_document, require_staff, voter_for
from civic.budgets.models import VerificationRequest, Voter
from civic.city.models import District
from civic.core.audit import record, register_actions
from civic.core.errors import DomainError
from civic.extensions import db

register_actions({
    "voter.verification_requested": _l("Asked a colleague to approve a document that is not on the list"),
    "voter.verification_approved": _l("Approved a colleague's verification of a document not on the list"),
    "voter.verification_refused": _l("Refused or withdrew a verification of a document not on the list"),
    "voter.verified_in_person": _l("Verified a resident in person"),
})


def off_list_mode() -> str:
    return current_app.config.get("OFF_LIST_VERIFICATION", "second_staff")


def pending_request(digest: str) -> VerificationRequest | None:
    return db.session.scalars(sa.select(VerificationRequest).where(
        VerificationRequest.document_hash == digest, VerificationRequest.status == "pending")).first()


def request_off_list(actor: User, digest: str, district_id: int | None, now: datetime,
                     user: User | None = None) -> VerificationRequest:
    """The document is not on the list: refuse it, or ask a second staff member (the same request
    again if one is already waiting)."""
    if off_list_mode() == "refuse":
        raise DomainError(_l("This document number is not on the eligibility list, and this city does not verify "
                             "documents that are not on it. Check the number; if the resident should be on the "
                             "list, the list must be corrected first."), "document_number")
    if district_id is not None and db.session.get(District, district_id) is None:
        raise DomainError(_l("Choose a district from the list."), "district")
    waiting = pending_request(digest)
    if waiting is not None:
        return waiting
    request = VerificationRequest(document_hash=digest, district_id=district_id, user_id=user.id if user else None,
                                  requested_by_id=actor.id, requested_at=now, status="pending")
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:  # a colleague asked for the same document at the same moment
        return pending_request(digest)
    record(actor, "voter.verification_requested", subject_type="verification_request", subject_id=request.id,
           now=now, details={"district_id": district_id, "account_linked": user is not None})
    return request


def _pending(request: VerificationRequest) -> VerificationRequest:
    """Lock the request (two colleagues deciding at once) and check it is still waiting."""
    changed = db.session.execute(sa.update(VerificationRequest).where(
        VerificationRequest.id == request.id, VerificationRequest.status == "pending").values(status="pending"))
    db.session.refresh(request)
    if changed.rowcount == 0 or request.status != "pending":
        raise DomainError(_l("This request has already been decided."))
    return request


def approve(actor: User, request: VerificationRequest, document_number: str, now: datetime) -> Voter:
    """A second staff member saw the document too: the resident becomes a voter."""
    require_staff(actor)
    _pending(request)
    if request.requested_by_id == actor.id:
        raise DomainError(_l("You asked for this verification yourself. A different staff member must check the "
                             "document and approve it."))
    if not normalise_document(document_number):
        raise DomainError(_l("Enter the document number."), "document_number")
    if not hmac.compare_digest(document_hash(document_number), request.document_hash):
        raise DomainError(_l("This is not the number of the document in this request. Type the number from the "
                             "resident's document again."), "document_number")
    user = db.session.get(User, request.user_id) if request.user_id else None
    if user is not None and voter_for(user) is not None:
        raise DomainError(_l("The resident's account has been verified with another document since the request. "
                             "Refuse this request."))
    request.status, request.decided_by_id, request.decided_at = "approved", actor.id, now
    db.session.flush()
    voter = db.session.scalars(sa.select(Voter).where(Voter.document_hash == request.document_hash)).first()
    if voter is None:  # the usual case; otherwise the document was listed and verified in the meantime
        voter = Voter(document_hash=request.document_hash, user_id=user.id if user else None,
                      district_id=request.district_id, method="in_person", verified_by_id=request.requested_by_id,
                      verified_at=now)
        db.session.add(voter)
        db.session.flush()
    request.voter_id = voter.id
    db.session.flush()
    record(actor, "voter.verification_approved", subject_type="verification_request", subject_id=request.id,
           now=now, details={"voter_id": voter.id, "requested_by": request.requested_by_id})
    return voter


def refuse(actor: User, request: VerificationRequest, now: datetime) -> None:
    """A colleague refuses the request, or the requester withdraws it (a typo, the resident left)."""
    require_staff(actor)
    _pending(request)
    withdrawn = request.requested_by_id == actor.id
    request.status = "withdrawn" if withdrawn else "refused"
    request.decided_by_id, request.decided_at = actor.id, now
    db.session.flush()
    record(actor, "voter.verification_refused", subject_type="verification_request", subject_id=request.id,
           now=now, details={"withdrawn": withdrawn})


def waiting_requests() -> list[VerificationRequest]:
    return list(db.session.scalars(sa.select(VerificationRequest).where(VerificationRequest.status == "pending")
                                   .order_by(VerificationRequest.requested_at, VerificationRequest.id)))
