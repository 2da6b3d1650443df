from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from civic.accounts import confirmation, forms, services
from civic.city.services import list_districts
from civic.core.db import utcnow
from civic.core import ratelimits
from civic.core.errors import DomainError
from civic.core.forms import optional_id, run_form, safe_next, show_domain_error
from civic.core.htmx import render
from civic.core.i18n import LANGUAGE_NAMES, SESSION_KEY, current_language
from civic.core.links import external_url
from civic.core.mail import send_mail
from civic.extensions import db, limiter

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _district_choices(empty_label: str) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [
        SelectChoice(str(d.id), d.name.text, render_kw={"lang": d.name.lang} if d.name.is_fallback else {})
        for d in list_districts()
    ]


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = forms.RegisterForm()
    form.district.choices = _district_choices(_("I'd rather not say"))
    if form.validate_on_submit():
        now = utcnow()
        try:
            ratelimits.consume(ratelimits.REGISTER_PER_ADDRESS, ratelimits.address_key())
            user = services.register(
                email=form.email.data, display_name=form.display_name.data, password=form.password.data,
                language=current_language(), district_id=optional_id(form.district.data), now=now,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            confirmation.send_confirmation(user, now=now, language=current_language())
            flash(_("Welcome, %(name)s. We have sent a link to %(email)s: open it to confirm your address, "
                    "and then you can support, comment and make proposals.", name=user.display_name,
                    email=user.email), "success")
            return redirect(url_for("pages.home"))
    return render("accounts/register.html", form=form, status=422 if form.errors else 200)


def _limit_sign_in(form: forms.SignInForm) -> bool:
    """Refuse before checking the password when this e-mail address (from wherever) or this network
    address (failed attempts only, so a crowd behind one NAT signs in) has tried too often."""
    try:
        ratelimits.check(ratelimits.SIGN_IN_PER_ADDRESS, ratelimits.address_key())
        ratelimits.consume(ratelimits.SIGN_IN_PER_ACCOUNT, ratelimits.email_key(form.email.data))
    except ratelimits.RateLimited as error:
        show_domain_error(form, error)
        return True
    return False


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    next_url = safe_next(request.values.get("next"), url_for("pages.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = forms.SignInForm()
    if form.validate_on_submit() and not _limit_sign_in(form):
        user = services.authenticate(form.email.data, form.password.data, now=utcnow())
        if user is None:
            ratelimits.hit(ratelimits.SIGN_IN_PER_ADDRESS, ratelimits.address_key())
            form.form_errors.append(_("The e-mail address or password is not correct."))
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(next_url)
    return render("accounts/sign_in.html", form=form, next_url=next_url,
                  status=422 if form.errors or form.form_errors else 200)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    services.end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out on every device."), "success")
    return redirect(url_for("pages.home"))


def _limit_reset(form: forms.ResetRequestForm) -> bool:
    """Counted per e-mail address whether or not it has an account, so a refusal reveals nothing."""
    try:
        ratelimits.consume(ratelimits.RESET_PER_ADDRESS, ratelimits.address_key())
        ratelimits.consume(ratelimits.RESET_PER_ACCOUNT, ratelimits.email_key(form.email.data))
    except ratelimits.RateLimited as error:
        show_domain_error(form, error)
        return True
    return False


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    form = forms.ResetRequestForm()
    if form.validate_on_submit() and not _limit_reset(form):
        started = services.start_password_reset(
            form.email.data, now=utcnow(), max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
        if started:
            user, token = started
            db.session.commit()
            send_mail(user.email, "accounts/mail/reset", user.locale or current_language(), user=user,
                      link=external_url("accounts.reset", token=token),
                      minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
        # The same answer either way, so the form does not reveal who has an account.
        return render("accounts/reset_sent.html", email=form.email.data,
                      minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
    return render("accounts/reset_request.html", form=form, status=422 if form.errors else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset(token: str):
    if not services.check_reset_token(token, now=utcnow()):
        return render("accounts/reset_invalid.html", status=404)
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.finish_password_reset(token, form.password.data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password has been changed. Sign in with your new password."), "success")
            return redirect(url_for("accounts.sign_in"))
    return render("accounts/reset_password.html", form=form, token=token, status=422 if form.errors else 200)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = forms.ProfileForm(data=None if request.method == "POST" else {
        "display_name": user.display_name,
        "language": user.locale or "",
        "district": str(user.district_id or ""),
        "show_name_publicly": "yes" if user.show_name_publicly else "no",
    })
    form.language.choices = [SelectChoice("", _("Use my browser's language"))] + [
        SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_NAMES.items()
    ]
    form.district.choices = _district_choices(_("Not set"))
    if form.validate_on_submit():
        language = form.language.data if form.language.data in LANGUAGE_NAMES else None
        try:
            services.update_profile(user, display_name=form.display_name.data, language=language,
                                    district_id=optional_id(form.district.data),
                                    show_name_publicly=form.show_name_publicly.data == "yes")
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            if language:
                session[SESSION_KEY] = language
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    from civic.budgets.eligibility import voter_for

    return render("accounts/profile.html", form=form, role_label=forms.ROLE_LABELS[user.role],
                  voter=voter_for(user), status=422 if form.errors else 200)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            services.change_password(user, current=form.current_password.data, new=form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            # Other devices are signed out; this one carries on with the new session version.
            login_user(user)
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render("accounts/change_password.html", form=form, status=422 if form.errors else 200)


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    """Where an account whose address is not confirmed yet asks for the link again."""
    user = current_user._get_current_object()
    form = forms.ResendConfirmationForm()
    if not user.email_confirmed and run_form(form, lambda: ratelimits.consume(
            ratelimits.CONFIRMATION_PER_ACCOUNT, ratelimits.account_key(user))):
        confirmation.send_confirmation(user, now=utcnow(), language=current_language())
        flash(_("We have sent a new link to %(email)s. It can take a few minutes to arrive.", email=user.email),
              "success")
        return redirect(url_for(".confirm"), code=303)
    return render("accounts/confirm.html", form=form, hours=confirmation.max_age_hours(),
                  status=422 if form.errors or form.form_errors else 200)


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    """The link from the e-mail; it works signed in or not, on any device."""
    try:
        confirmation.confirm_email(token, now=utcnow(), max_age=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"])
    except confirmation.AlreadyConfirmed as error:
        return render("accounts/confirm_link.html", message=error.message, confirmed=True)
    except DomainError as error:
        db.session.rollback()
        return render("accounts/confirm_link.html", message=error.message, confirmed=False, status=404)
    db.session.commit()
    flash(_("Thank you: your e-mail address is confirmed. You can now support, comment and make proposals."),
          "success")
    return redirect(url_for("pages.home"), code=303)


@bp.route("/data.json")
@login_required
def download_data():
    payload = json.dumps(services.export_data(current_user._get_current_object()), ensure_ascii=False, indent=2)
    return Response(payload, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=civic-my-data.json"})


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user._get_current_object(), password=form.password.data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("pages.home"))
    return render("accounts/delete.html", form=form, status=422 if form.errors else 200)


def load_user(user_id: str):
    from civic.accounts.models import User

    try:
        pk, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, pk)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user
