"""Staff authoring forms. Official texts are edited one language at a time (see views)."""

from __future__ import annotations

from datetime import date

from civic.core.messages import lazy_gettext as _l
from wtforms import (DateField, DateTimeLocalField, FieldList, Form, FormField, IntegerField,
                     SelectChoice, SelectField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from civic.core.forms import FiniteDecimalField, FlaskForm
from civic.core.inputs import MAX_COUNT, MAX_DECIMAL_MONEY, MAX_MEASURE, MAX_MONEY
from civic.plans.models import ACTION_STATUSES, COMPLETE_POSITION, DIMENSIONS, PLAN_STATUSES, TIMEFRAMES

DIMENSION_LABELS = {
    "economy": _l("Economy"),
    "environment": _l("Environment"),
    "society": _l("Society and culture"),
    "governance": _l("Governance"),
}
TIMEFRAME_LABELS = {
    "short": _l("Short term (less than 2 years)"),
    "medium": _l("Medium term (2 to 5 years)"),
    "long": _l("Long term (more than 5 years)"),
}
PLAN_STATUS_LABELS = {
    "draft": _l("Draft for consultation"),
    "adopted": _l("Adopted"),
    "archived": _l("Archived"),
}
ACTION_STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "delayed": _l("Delayed"),
    "cancelled": _l("Cancelled"),
}
PRIORITY_LABELS = {1: _l("1 – most urgent"), 2: _l("2 – important"), 3: _l("3 – when resources allow")}


def _choices(labels: dict, values) -> list[SelectChoice]:
    return [SelectChoice(str(value), labels[value]) for value in values]


def _required(message):
    return [InputRequired(message=message)]


def _date(label, message=None, **kwargs):
    validators = _required(message) if message else [Optional()]
    return DateField(label, validators=validators, description=_l("For example 2026-03-31."), **kwargs)


def _money(label, required=True):
    validators = [InputRequired(message=_l("Enter an amount, for example 25000."))] if required else [Optional()]
    return FiniteDecimalField(label, places=2, validators=validators + [
        NumberRange(min=0, message=_l("Enter 0 or more.")),
        NumberRange(max=MAX_DECIMAL_MONEY, message=_l("Enter an amount of at most %(max)d.", max=MAX_MONEY))],
        render_kw={"inputmode": "decimal"})


def _measure(label, message):
    """A KPI value: numeric(18, 4) holds up to 14 digits before the point."""
    return FiniteDecimalField(label, validators=[*_required(message), NumberRange(
        min=-MAX_MEASURE, max=MAX_MEASURE, message=_l("Enter a value between -%(max)d and %(max)d.",
                                                      max=int(MAX_MEASURE)))], render_kw={"inputmode": "decimal"})


def _text(label, required_message=None, area=False, max_length=4000, **kwargs):
    validators = _required(required_message) if required_message else [Optional()]
    validators.append(Length(max=max_length, message=_l("Use at most %(max)d characters.", max=max_length)))
    return (TextAreaField if area else StringField)(label, validators=validators, **kwargs)


class PlanForm(FlaskForm):
    title = _text(_l("Title"), _l("Enter the plan's title."), max_length=200)
    vision = _text(_l("Vision statement"), area=True)
    principles = _text(_l("Guiding principles"), area=True, description=_l("One principle per line."))
    status = SelectField(_l("Status"), choices=_choices(PLAN_STATUS_LABELS, PLAN_STATUSES))
    version = IntegerField(_l("Version"), default=1, validators=[
        InputRequired(message=_l("Enter a version number.")),
        NumberRange(min=1, max=MAX_COUNT, message=_l("Enter a whole number from 1 to %(max)d.", max=MAX_COUNT))])
    currency = StringField(_l("Currency"), default="EUR", description=_l("Three-letter code, for example EUR."),
                           validators=[InputRequired(message=_l("Enter a currency code.")),
                                       Length(min=3, max=3, message=_l("Use a three-letter code such as EUR."))])
    period_start = _date(_l("Plan period starts"), _l("Enter the date the plan period starts."))
    period_end = _date(_l("Plan period ends (optional)"))
    adopted_on = _date(_l("Adopted on (optional)"))


class ConsultationForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("Comments open"), format="%Y-%m-%dT%H:%M",
                                  validators=_required(_l("Enter when comments open.")))
    closes_at = DateTimeLocalField(_l("Comments close"), format="%Y-%m-%dT%H:%M",
                                   validators=_required(_l("Enter when comments close.")))


class GoalForm(FlaskForm):
    number = IntegerField(_l("Goal number"), validators=[
        InputRequired(message=_l("Enter the goal's number.")),
        NumberRange(min=1, max=MAX_COUNT, message=_l("Enter a whole number from 1 to %(max)d.", max=MAX_COUNT))])
    statement = _text(_l("Goal statement"), _l("Enter the goal statement."), area=True, max_length=1000)
    dimension = SelectField(_l("Dimension"), choices=_choices(DIMENSION_LABELS, DIMENSIONS))
    kpi_name = _text(_l("Baseline indicator (KPI)"), _l("Enter the indicator this goal is measured by."),
                     max_length=300, description=_l("For example: share of trips made by bicycle."))
    kpi_unit = _text(_l("Unit"), max_length=30, description=_l("For example %, tonnes or km."))
    kpi_baseline = _measure(_l("Baseline value"), _l("Enter the baseline value."))
    kpi_baseline_year = IntegerField(_l("Baseline year"), validators=[
        InputRequired(message=_l("Enter the year of the baseline.")),
        NumberRange(min=1900, max=2200, message=_l("Enter a year such as 2023."))])
    kpi_target = _measure(_l("Target value"), _l("Enter the target value."))
    kpi_target_date = _date(_l("Target date"), _l("Enter the date the target should be reached."))
    kpi_reference = _text(_l("Indicator reference (optional)"), max_length=120,
                          description=_l("For example ITU-T Y.4903, ISO 37120 or SDG 11."))
    ismart_notes = _text(_l("ISMART notes (optional)"), area=True,
                         description=_l("How the goal is independent, simple, measurable, achievable, relevant and timely."))
    timeframe = SelectField(_l("Timeframe"), choices=_choices(TIMEFRAME_LABELS, TIMEFRAMES))
    priority = SelectField(_l("Priority"), coerce=int, choices=[SelectChoice(v, l) for v, l in PRIORITY_LABELS.items()])
    champion = _text(_l("Champion (optional)"), max_length=200,
                     description=_l("The person or group who leads and speaks for this goal."))
    desired_outcome = _text(_l("Desired outcome (optional)"), area=True)


def _dates_one_per_line(form, field):
    field.parsed = []
    for line in (field.data or "").split():
        try:
            field.parsed.append(date.fromisoformat(line.strip()))
        except ValueError as error:
            raise ValidationError(_l("“%(value)s” is not a date. Write dates like 2026-03-31, one per line.",
                                     value=line.strip())) from error


class ActionForm(FlaskForm):
    number = _text(_l("Action number"), _l("Enter the action's number, for example 1.2."), max_length=12)
    description = _text(_l("Description"), _l("Describe the action."), area=True, max_length=2000)
    responsible = _text(_l("Responsible party"), _l("Enter who is responsible."), max_length=200)
    start_date = _date(_l("Start date"), _l("Enter the start date."))
    end_date = _date(_l("Target end date"), _l("Enter the target end date."))
    resources = _text(_l("Resources (optional)"), area=True, max_length=1000)
    estimated_cost = _money(_l("Estimated cost"))
    actual_cost = _money(_l("Actual cost (optional)"), required=False)
    funding_source = _text(_l("Funding source (optional)"), max_length=200)
    status = SelectField(_l("Status"), choices=_choices(ACTION_STATUS_LABELS, ACTION_STATUSES))
    check_ins = TextAreaField(_l("Check-in dates (optional)"), validators=[_dates_one_per_line],
                              description=_l("One date per line, for example 2026-06-30."))


class TargetStepForm(Form):
    description = StringField(_l("Description"), validators=[Length(max=500)])
    reached_on = DateField(_l("Reached on (optional)"), validators=[Optional()],
                           description=_l("For example 2026-03-31."))


class ScoreCardForm(FlaskForm):
    steps = FieldList(FormField(TargetStepForm), min_entries=COMPLETE_POSITION, max_entries=COMPLETE_POSITION)


class RevisionForm(FlaskForm):
    statement = _text(_l("Revised goal statement"), _l("Enter the revised statement."), area=True, max_length=1000)
    note = _text(_l("How the comments were used"), _l("Explain how the comments were used. Residents read this note."),
                 area=True, max_length=4000,
                 description=_l("Say what residents asked for, what changed because of it, and what did not and why."))
