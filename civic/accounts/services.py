"""Account rules. Views call these with the acting user and the current time."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from civic.core.messages import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from civic.accounts import passwords, personal_data
from civic.accounts.models import PasswordReset, Role, User
from civic.city.models import District
from civic.core import audit
from civic.core.errors import DomainError, NotAllowed
from civic.extensions import db


audit.register_actions({
    "account.role_changed": _l("Changed the role of an account"),
    "account.admin_created": _l("Made an account an administrator from the command line"),
})


class EmailTaken(DomainError):
    pass


def normalise_email(email: str) -> str:
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(_l("Enter an e-mail address like name@example.org."), "email") from exc
    return result.normalized.lower()


def check_password_rules(password: str, *, email: str = "", display_name: str = "") -> None:
    if len(password) < passwords.MIN_LENGTH:
        raise DomainError(_l("Use at least %(min)d characters.", min=passwords.MIN_LENGTH), "password")
    if len(password) > passwords.MAX_LENGTH:
        raise DomainError(_l("Use at most %(max)d characters.", max=passwords.MAX_LENGTH), "password")
    lowered = password.lower()
    personal = {email.lower(), email.split("@")[0].lower(), display_name.lower()} - {""}
    if passwords.is_common(password) or lowered in personal:
        raise DomainError(
            _l("This password is one of the most common ones and is easy to guess. Choose another."),
            "password",
        )


def find_by_email(email: str) -> User | None:
    try:
        email = normalise_email(email)
    except DomainError:
        return None
    return db.session.scalars(sa.select(User).where(User.email == email)).first()


def _district_or_none(district_id: int | None) -> District | None:
    if district_id is None:
        return None
    district = db.session.get(District, district_id)
    if district is None:
        raise DomainError(_l("Choose a district from the list."), "district")
    return district


def register(*, email: str, display_name: str, password: str, language: str | None,
             district_id: int | None, now: datetime, role: Role = Role.RESIDENT) -> User:
    email = normalise_email(email)
    display_name = display_name.strip()
    check_password_rules(password, email=email, display_name=display_name)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=passwords.hash_password(password),
        role=role.value,
        locale=language,
        district=_district_or_none(district_id),
        created_at=now,
    )
    db.session.add(user)
    try:
        # The unique constraint decides, so two simultaneous sign-ups cannot both win.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise EmailTaken(_l("An account with this e-mail address already exists. Sign in or reset your password."), "email") from exc
    return user


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    user = find_by_email(email)
    if not passwords.verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_sign_in_at = now
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session of this user, on every device."""
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user, ["session_version"])


def change_password(user: User, *, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise DomainError(_l("Your current password is not correct."), "current_password")
    check_password_rules(new, email=user.email, display_name=user.display_name)
    user.password_hash = passwords.hash_password(new)
    end_sessions(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_password_reset(email: str, *, now: datetime, max_age: int) -> tuple[User, str] | None:
    """Return the user and a fresh token, or None when no active account has this address."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user=user, token_hash=_token_hash(token), created_at=now,
                                 expires_at=now + timedelta(seconds=max_age)))
    return user, token


def _valid_reset(token: str, now: datetime) -> PasswordReset | None:
    reset = db.session.scalars(
        sa.select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= now or not reset.user.is_active:
        return None
    return reset


def check_reset_token(token: str, *, now: datetime) -> bool:
    return _valid_reset(token, now) is not None


INVALID_RESET = _l("This reset link has expired or has already been used. Ask for a new one.")


def finish_password_reset(token: str, new_password: str, *, now: datetime) -> User:
    reset = _valid_reset(token, now)
    if reset is None:
        raise DomainError(INVALID_RESET)
    user = reset.user
    check_password_rules(new_password, email=user.email, display_name=user.display_name)
    # Conditional update: of two requests racing with the same link, only one changes the password.
    claimed = db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise DomainError(INVALID_RESET)
    user.password_hash = passwords.hash_password(new_password)
    end_sessions(user)
    return user


def update_profile(user: User, *, display_name: str, language: str | None, district_id: int | None,
                   show_name_publicly: bool) -> None:
    user.display_name = display_name.strip()
    user.locale = language
    user.district = _district_or_none(district_id)
    user.show_name_publicly = show_name_publicly


def set_preferred_language(user: User, language: str) -> None:
    user.locale = language


def set_role(actor: User, user: User, role: Role, *, now: datetime) -> None:
    if not actor.is_admin:
        raise NotAllowed(_l("Only administrators can change roles."))
    if actor.id == user.id and role is not Role.ADMIN:
        raise DomainError(_l("You cannot remove your own administrator role."), "role")
    if user.role != role.value:
        audit.record(actor, "account.role_changed", subject_type="user", subject_id=user.id, now=now,
                     details={"from": user.role, "to": role.value})
    user.role = role.value
    # A demoted user must not keep the powers of the old role in an open session.
    end_sessions(user)


def export_data(user: User) -> dict:
    """Everything civic stores about this person, in a form they can keep."""
    return {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "preferred_language": user.locale,
            "district": user.district.slug if user.district else None,
            "show_name_publicly": user.show_name_publicly,
            "created_at": user.created_at.isoformat(),
            "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
            "last_sign_in_at": user.last_sign_in_at.isoformat() if user.last_sign_in_at else None,
        },
        "password_resets": [
            {"requested_at": r.created_at.isoformat(), "used_at": r.used_at.isoformat() if r.used_at else None}
            for r in db.session.scalars(sa.select(PasswordReset).where(PasswordReset.user_id == user.id))
        ],
        **personal_data.collect(user),
    }


def delete_account(user: User, *, password: str, now: datetime) -> None:
    """Erase personal data; contributions made later by other areas stay, anonymised."""
    if not passwords.verify_password(user.password_hash, password):
        raise DomainError(_l("Your password is not correct."), "password")
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.user_id == user.id))
    user.email = f"deleted-{user.id}@invalid"
    user.display_name = "—"
    user.password_hash = None
    user.locale = None
    user.district = None
    user.show_name_publicly = False
    user.deleted_at = now
    personal_data.erase(user)
    end_sessions(user)


def create_admin(*, email: str, display_name: str, password: str, now: datetime) -> User:
    existing = find_by_email(email)
    if existing is not None:
        check_password_rules(password, email=existing.email, display_name=existing.display_name)
        audit.record(None, "account.admin_created", subject_type="user", subject_id=existing.id, now=now,
                     details={"from": existing.role, "to": Role.ADMIN.value})
        existing.role = Role.ADMIN.value
        existing.password_hash = passwords.hash_password(password)
        # Whoever runs the command vouches for the address.
        existing.email_confirmed_at = existing.email_confirmed_at or now
        end_sessions(existing)
        return existing
    user = register(email=email, display_name=display_name, password=password, language=None,
                    district_id=None, now=now, role=Role.ADMIN)
    user.email_confirmed_at = now
    audit.record(None, "account.admin_created", subject_type="user", subject_id=user.id, now=now,
                 details={"from": None, "to": Role.ADMIN.value})
    return user


USERS_PER_PAGE = 50


def list_users(actor: User, *, search: str = "", page: int = 1):
    if not actor.is_admin:
        raise NotAllowed(_l("Only administrators can manage accounts."))
    query = sa.select(User).where(User.deleted_at.is_(None)).order_by(User.created_at.desc(), User.id.desc())
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(User.email.like(pattern), sa.func.lower(User.display_name).like(pattern)))
    return db.paginate(query, page=page, per_page=USERS_PER_PAGE, error_out=False)
