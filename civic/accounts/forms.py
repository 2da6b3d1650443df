from __future__ import annotations

from civic.core.messages import lazy_gettext as _l
from wtforms import (BooleanField, DateField, EmailField, IntegerField, PasswordField, RadioField, SelectChoice,
                     SelectField, StringField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from civic.accounts import passwords
from civic.accounts.models import ROLE_VALUES
from civic.accounts.services import check_password_rules
from civic.core.errors import DomainError
from civic.core.forms import FlaskForm

# Long enough for the longest passphrase people paste from a manager; the rules check the rest.
PASSWORD_FIELD_LIMIT = passwords.MAX_LENGTH


def _password_rules(form, field):
    email = getattr(form, "email", None)
    name = getattr(form, "display_name", None)
    try:
        check_password_rules(field.data or "", email=email.data if email else "",
                             display_name=name.data if name else "")
    except DomainError as error:
        raise ValidationError(str(error.message)) from error


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field():
    return EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Enter your e-mail address.")),
                    Email(message=_l("Enter an e-mail address like name@example.org."), check_deliverability=False),
                    Length(max=254)],
        # Addresses read left to right, also on right-to-left pages.
        render_kw={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none", "dir": "ltr"},
    )


def _display_name_field():
    return StringField(
        _l("Display name"),
        description=_l("Shown next to what you write, unless you choose to stay anonymous."),
        validators=[DataRequired(message=_l("Enter the name others will see.")),
                    Length(max=80, message=_l("Use at most %(max)d characters.", max=80))],
        render_kw={"autocomplete": "nickname", "dir": "auto"},
    )


def _new_password_field(label):
    return PasswordField(
        label,
        description=_l("At least 8 characters. A few unrelated words make a strong password. "
                       "Pasting from a password manager is fine."),
        validators=[InputRequired(message=_l("Enter a password.")), _password_rules],
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_FIELD_LIMIT},
    )


class RegisterForm(FlaskForm):
    email = _email_field()
    display_name = _display_name_field()
    password = _new_password_field(_l("Password"))
    district = SelectField(_l("Your district (optional)"), coerce=str, validate_choice=False)


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))


class ProfileForm(FlaskForm):
    display_name = _display_name_field()
    language = SelectField(_l("Preferred language"), coerce=str, validate_choice=False)
    district = SelectField(_l("District"), coerce=str, validate_choice=False)
    show_name_publicly = RadioField(
        _l("By default, show my contributions"),
        choices=[SelectChoice("yes", _l("with my display name")),
                 SelectChoice("no", _l("as “a resident of my district”, without my name"))],
        validators=[InputRequired(message=_l("Choose how your contributions are shown."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password_field(_l("New password"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter your password to confirm."))],
        render_kw={"autocomplete": "current-password"},
    )


class ResendConfirmationForm(FlaskForm):
    """Only the button: the link goes to the account's own address."""


ROLE_LABELS = {
    "resident": _l("Resident"),
    "moderator": _l("Moderator"),
    "staff": _l("City staff"),
    "admin": _l("Administrator"),
    "tracker": _l("Department tracker (posts outcome updates)"),
}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(value, str(ROLE_LABELS[value])) for value in ROLE_VALUES]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))


class AuditFilterForm(FlaskForm):
    """The audit trail's filters: read from the query string, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    actor = StringField(_l("Who (name, e-mail address or account number)"), filters=[_strip],
                        validators=[Optional(), Length(max=120)])
    subject_type = SelectField(_l("Kind of item"), choices=[], validate_choice=False)
    subject_id = IntegerField(_l("Item number"), validators=[Optional(), NumberRange(min=1)])
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date, included)"), validators=[Optional()])
