"""Staff forms for outcomes and their updates."""

from __future__ import annotations

from civic.core.messages import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (DateField, IntegerField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from civic.core.forms import FiniteDecimalField, FlaskForm
from civic.core.inputs import MAX_COUNT, MAX_DECIMAL_MONEY, MAX_MONEY
from civic.outcomes.models import STATUSES
from civic.proposals.photos import validate_upload

DATE_HINT = _l("For example 2027-03-12.")
# Costs fit numeric(14, 2), as the CHECK constraints of migration 0010 say.
COST_RANGE = [NumberRange(min=0, message=_l("Costs cannot be negative.")),
              NumberRange(max=MAX_DECIMAL_MONEY, message=_l("Enter a cost of at most %(max)d.", max=MAX_MONEY))]


def status_choices(labels, blank=None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank else []
    return choices + [SelectChoice(code, labels[code]) for code in STATUSES]


class OutcomeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Enter the outcome's title.")),
                                                 Length(max=200)])
    description = TextAreaField(_l("Description (optional)"), validators=[Optional(), Length(max=4000)])
    status = RadioField(_l("Status"), choices=[], default="planned")
    progress = IntegerField(_l("Progress (%)"), default=0, validators=[
        InputRequired(message=_l("Enter the progress from 0 to 100.")),
        NumberRange(min=0, max=100, message=_l("Progress is a percentage from 0 to 100."))],
        description=_l("Ignored when the outcome has parts: then it is worked out from them."),
        render_kw={"inputmode": "numeric"})
    starts_on = DateField(_l("Starts on (optional)"), validators=[Optional()], description=DATE_HINT)
    ends_on = DateField(_l("Ends on (optional)"), validators=[Optional()], description=DATE_HINT)
    estimated_cost = FiniteDecimalField(_l("Estimated cost (optional)"), validators=[Optional(), *COST_RANGE],
                                        render_kw={"inputmode": "decimal"})
    actual_cost = FiniteDecimalField(_l("Actual cost so far (optional)"), validators=[Optional(), *COST_RANGE],
                                     render_kw={"inputmode": "decimal"})
    currency = StringField(_l("Currency"), default="EUR", validators=[InputRequired(), Length(min=3, max=3)])
    responsible = StringField(_l("Responsible (optional)"), validators=[Optional(), Length(max=200)],
                              description=_l("The department or team that delivers it."))
    district = SelectField(_l("District"), choices=[], validate_choice=False)
    goal = SelectField(_l("Plan goal (optional)"), choices=[], validate_choice=False)
    action = SelectField(_l("Plan action (optional)"), choices=[], validate_choice=False)
    parent = SelectField(_l("Part of (optional)"), choices=[], validate_choice=False)
    weight = IntegerField(_l("Weight in its parent's progress"), default=1, validators=[
        InputRequired(), NumberRange(min=1, max=MAX_COUNT, message=_l(
            "The weight is a whole number from 1 to %(max)d.", max=MAX_COUNT))],
        render_kw={"inputmode": "numeric"})
    projects = SelectMultipleField(_l("Participatory budget projects (optional)"), coerce=int, choices=[],
                                   validate_choice=False, option_widget=CheckboxInput(),
                                   widget=ListWidget(prefix_label=False))
    proposals = SelectMultipleField(_l("Resident proposals (optional)"), coerce=int, choices=[],
                                    validate_choice=False, option_widget=CheckboxInput(),
                                    widget=ListWidget(prefix_label=False))


class UpdateForm(FlaskForm):
    on = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date of the update."))],
                   description=DATE_HINT)
    text = TextAreaField(_l("What happened"), validators=[InputRequired(message=_l("Say what happened.")),
                                                          Length(max=4000)])
    progress = IntegerField(_l("New progress (%) (optional)"), validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("Progress is a percentage from 0 to 100."))],
        render_kw={"inputmode": "numeric"})
    status = SelectField(_l("New status (optional)"), choices=[], validate_choice=False)
    actual_cost = FiniteDecimalField(_l("Actual cost so far (optional)"), validators=[Optional(), *COST_RANGE],
                                     render_kw={"inputmode": "decimal"})
    photo = FileField(_l("Photo (optional)"), validators=[validate_upload],
                      description=_l("JPEG, PNG or WebP, up to 5 MB."))
    photo_alt = StringField(_l("Describe the photo"), validators=[Optional(), Length(max=300)],
                            description=_l("For people who cannot see it."))


class ImportForm(FlaskForm):
    file = FileField(_l("Updates (CSV)"), description=_l(
        "Columns: outcome_id,date,progress,status,text,actual_cost. Dates as YYYY-MM-DD; status one of planned, "
        "in_progress, completed, delayed, cancelled; leave progress, status or actual_cost empty to keep them."))


class ConfirmForm(FlaskForm):
    pass
