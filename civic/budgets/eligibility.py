"""Who may vote: the eligibility list, self-verification and in-person verification by staff.

Document numbers are never stored. Each is normalised and kept as an HMAC under the voting key,
so a leaked database does not reveal them and a guessed number cannot be checked offline.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.personal_data import register_eraser, register_exporter
from civic.budgets.models import Budget, EligibleDocument, Participation, VerificationRequest, Voter
from civic.city.models import District
from civic.core import audit
from civic.core.csvimport import read_csv
from civic.core.errors import DomainError, NotAllowed
from civic.extensions import db

_SEPARATORS = re.compile(r"[\s\-./]+")
MAX_LIST_BYTES = 20 * 1024 * 1024


def keyed_hash(purpose: str, value: str) -> str:
    key = current_app.config["VOTING_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def normalise_document(number: str) -> str:
    """'ab 123-456' and 'AB123456' are the same document."""
    return _SEPARATORS.sub("", number or "").upper()


def document_hash(number: str) -> str:
    return keyed_hash("document", normalise_document(number))


def require_staff(actor: User | None) -> None:
    if actor is None or not actor.is_staff:
        raise NotAllowed(_l("Only city staff can manage the list of voters."))


def voter_for(user: User | None) -> Voter | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalars(sa.select(Voter).where(Voter.user_id == user.id)).first()


@dataclass
class ListImport:
    added: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def _district_lookup() -> dict[str, District]:
    lookup = {}
    for district in db.session.scalars(sa.select(District)):
        lookup[district.slug.casefold()] = district
        for name in (district.names or {}).values():
            lookup[name.casefold()] = district
    return lookup


def import_list(actor: User, raw: bytes, now: datetime) -> ListImport:
    """Add or update rows from a CSV with the columns `document_number` and `district`.

    `district` may be empty for a city-wide list. Bad rows are reported by line and skipped;
    the good ones are kept.
    """
    require_staff(actor)
    if len(raw) > MAX_LIST_BYTES:
        raise DomainError(_l("The file is larger than 20 MB. Split it into smaller files."), "file")
    _, records = read_csv(raw, required=("document_number",), header_error=_l(
        "The first line must name the columns: document_number,district."))
    districts = _district_lookup()
    existing = dict(db.session.execute(sa.select(EligibleDocument.document_hash, EligibleDocument.district_id)).all())
    result = ListImport()
    seen: set[str] = set()
    for record in records:
        line, row = record.line, record.values
        if row is None:
            result.rejected.append((line, record.problem))
            continue
        number = normalise_document(row.get("document_number", ""))
        district_name = row.get("district", "")
        district = districts.get(district_name.casefold()) if district_name else None
        if not number:
            result.rejected.append((line, _l("The document number is empty.")))
            continue
        if district_name and district is None:
            result.rejected.append((line, _l("Unknown district: %(name)s.", name=district_name)))
            continue
        digest = keyed_hash("document", number)
        if digest in seen:
            result.rejected.append((line, _l("This document number is already on an earlier line.")))
            continue
        seen.add(digest)
        district_id = district.id if district else None
        if digest in existing:
            if existing[digest] != district_id:
                db.session.execute(sa.update(EligibleDocument).where(EligibleDocument.document_hash == digest)
                                   .values(district_id=district_id, imported_at=now))
                result.updated += 1
        else:
            db.session.add(EligibleDocument(document_hash=digest, district_id=district_id, imported_at=now))
            result.added += 1
    db.session.flush()
    audit.record(actor, "eligibility.imported", subject_type="eligibility_list", subject_id=None, now=now,
           details={"added": result.added, "updated": result.updated, "rejected": len(result.rejected)})
    return result


def _already_used():
    return DomainError(_l("This document has already been used to verify another account. If you think "
                          "this is a mistake, contact the city."), "document_number")


def verify_self(user: User, document_number: str, now: datetime) -> Voter:
    """A resident proves they are on the eligibility list by entering their document number."""
    if voter_for(user) is not None:
        raise DomainError(_l("Your account is already verified."))
    if not normalise_document(document_number):
        raise DomainError(_l("Enter your document number."), "document_number")
    digest = document_hash(document_number)
    listed = db.session.get(EligibleDocument, digest)
    if listed is None:
        raise DomainError(_l("This document number is not on the list of residents who can vote. Check it "
                             "and try again, or ask at a city service desk."), "document_number")
    voter = db.session.scalars(sa.select(Voter).where(Voter.document_hash == digest)).first()
    if voter is not None:
        if voter.user_id is not None:
            raise _already_used()
        # Verified at a desk, or by an account since deleted: the account takes over the document for
        # what comes next, but whoever knows a number must not read or change the ballots cast with
        # it before. Only staff, seeing the document, can hand those over (verify_in_person).
        voter.user_id = user.id
        db.session.execute(sa.update(Participation).where(Participation.voter_id == voter.id)
                           .values(inherited=True))
        db.session.flush()
        return voter
    voter = Voter(document_hash=digest, user_id=user.id, district_id=listed.district_id, method="list",
                  verified_at=now)
    return _insert(voter, user)


def _insert(voter: Voter, user: User | None) -> Voter:
    """Two tabs or two people verifying at the same moment: the unique constraints decide, and the
    loser gets the same clear message as if they had come second."""
    try:
        with db.session.begin_nested():
            db.session.add(voter)
    except IntegrityError:
        if user is not None and voter_for(user) is not None:
            raise DomainError(_l("Your account is already verified.")) from None
        raise _already_used() from None
    return voter


def verify_in_person(actor: User, document_number: str, district_id: int | None, now: datetime,
                     user: User | None = None) -> Voter | VerificationRequest:
    """Staff saw the document. A listed document verifies at once, in the list's district.

    One that is not on the list verifies no one by itself (four eyes, see `foureyes`): with
    OFF_LIST_VERIFICATION = "second_staff" this returns a request, not a voter, that a different
    staff member must approve; with "refuse" it is refused.
    """
    from civic.budgets.foureyes import request_off_list

    require_staff(actor)
    if not normalise_document(document_number):
        raise DomainError(_l("Enter the document number."), "document_number")
    digest = document_hash(document_number)
    voter = db.session.scalars(sa.select(Voter).where(Voter.document_hash == digest)).first()
    if voter is not None:
        if user is not None and voter.user_id not in (None, user.id):
            raise _already_used()
        if user is not None and voter.user_id is None:
            if voter_for(user) is not None:
                raise DomainError(_l("This account is already verified with another document."), "email")
            voter.user_id = user.id
            audit.record(actor, "voter.verified_in_person", subject_type="voter", subject_id=voter.id, now=now,
                   details={"account_linked": True, "new_voter": False})
        if user is not None:
            # Staff saw the document and the person: the account may now see and change the ballots
            # cast with it before it took the document over (see verify_self).
            handed = db.session.execute(sa.update(Participation).where(Participation.voter_id == voter.id,
                                                                       Participation.inherited.is_(True))
                                        .values(inherited=False)).rowcount
            if handed:
                audit.record(actor, "voter.earlier_ballots_handed_over", subject_type="voter", subject_id=voter.id,
                       now=now, details={"participations": handed})
        db.session.flush()
        return voter
    if user is not None and voter_for(user) is not None:
        raise DomainError(_l("This account is already verified with another document."), "email")
    listed = db.session.get(EligibleDocument, digest)
    if listed is None:
        return request_off_list(actor, digest, district_id, now, user)
    voter = _insert(Voter(document_hash=digest, user_id=user.id if user else None, district_id=listed.district_id,
                          method="in_person", verified_by_id=actor.id, verified_at=now), user)
    audit.record(actor, "voter.verified_in_person", subject_type="voter", subject_id=voter.id, now=now,
           details={"account_linked": user is not None, "new_voter": True})
    return voter


def may_vote_in(voter: Voter | None, budget: Budget) -> bool:
    return voter is not None and (budget.district_id is None or voter.district_id == budget.district_id)


def export_voting(user: User) -> dict:
    """Verification and participation, never ballot contents: those are secret even from the download.
    Of a ballot cast before this account took over the document, only that it exists."""
    voter = voter_for(user)
    if voter is None:
        return {}
    rows = db.session.scalars(sa.select(Participation).where(Participation.voter_id == voter.id)
                              .order_by(Participation.id))
    return {"verified_at": voter.verified_at.isoformat(), "method": voter.method, "district_id": voter.district_id,
            "participations": [{"budget_id": p.budget_id, "cast_before_this_account": True} if p.inherited else
                               {"budget_id": p.budget_id, "first_voted_at": p.first_voted_at.isoformat(),
                                "changed_at": p.changed_at.isoformat(), "channel": p.channel, "receipt": p.receipt,
                                "age_band": p.age_band, "gender": p.gender} for p in rows]}


def unlink_voter(user: User) -> None:
    """A deleted account keeps no link to the document it was verified with; the ballots stay counted,
    and the document still cannot vote twice."""
    db.session.execute(sa.update(Voter).where(Voter.user_id == user.id).values(user_id=None))


register_exporter("voting", export_voting)
register_eraser("voting", unlink_voter)
