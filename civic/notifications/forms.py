"""Notification forms. Plain buttons (mark all as read) need no form: CSRFProtect checks every POST."""

from __future__ import annotations

from civic.core.messages import lazy_gettext as _l
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from civic.core.forms import FlaskForm
from civic.notifications.models import EMAIL_FREQUENCIES
from civic.notifications.services import FREQUENCY_LABELS


class SettingsForm(FlaskForm):
    email = RadioField(_l("E-mail me about changes"), validate_choice=True,
                       choices=[SelectChoice(code, FREQUENCY_LABELS[code]) for code in EMAIL_FREQUENCIES],
                       validators=[InputRequired(message=_l("Choose how often we e-mail you."))],
                       description=_l("You always see every notification on this site."))
