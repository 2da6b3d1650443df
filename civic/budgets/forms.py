"""Forms of the budgets area. The ballot form is built for each budget, since its fields are its projects."""

from __future__ import annotations

from civic.core.messages import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from civic.budgets.models import AGE_BANDS, BALLOT_KINDS, COUNTING_RULES, GENDERS, Budget
from civic.core.forms import FlaskForm
from civic.core.inputs import MAX_COUNT, MAX_MONEY
from civic.proposals.photos import validate_upload

AGE_LABELS = {"16-24": _l("16 to 24"), "25-34": _l("25 to 34"), "35-49": _l("35 to 49"), "50-64": _l("50 to 64"),
              "65+": _l("65 or older")}
GENDER_LABELS = {"woman": _l("Woman"), "man": _l("Man"), "another": _l("Another gender")}
ASSISTED_CHANNEL_LABELS = {"desk": _l("At a service desk"), "paper": _l("Paper ballot"),
                           "phone": _l("By phone (telephone town hall)")}
WHOLE = _l("Enter a whole number.")


def _count(label, description=None, required=False, most=MAX_COUNT):
    """A whole number from 0 to `most` (MAX_MONEY for money): the columns and CHECK constraints hold that."""
    validators = [InputRequired(message=WHOLE)] if required else [Optional()]
    return IntegerField(label, validators=[*validators, NumberRange(min=0, message=_l("Enter 0 or more.")),
                                           NumberRange(max=most, message=_l("Enter at most %(max)d.", max=most))],
                        description=description, render_kw={"inputmode": "numeric"})


class VerifyForm(FlaskForm):
    document_number = StringField(
        _l("Document number"), validators=[InputRequired(message=_l("Enter your document number.")),
                                           Length(max=40, message=_l("Use at most %(max)d characters.", max=40))],
        description=_l("The number on the identity document the city knows you by. Spaces and dashes do not "
                       "matter. We keep only a scrambled code of it, never the number itself."),
        render_kw={"autocomplete": "off", "spellcheck": "false"})


class VerifyInPersonForm(FlaskForm):
    document_number = StringField(_l("Document number"), validators=[
        InputRequired(message=_l("Enter the document number.")), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    district = SelectField(_l("District"), choices=[], validate_choice=False,
                           description=_l("Used only when the document is not on the eligibility list."))
    email = StringField(_l("E-mail of their account (optional)"), validators=[Optional(), Length(max=254)],
                        description=_l("Leave empty for a resident without an account; they can still vote at "
                                       "a desk or by phone."))

    def set_districts(self, districts) -> None:
        self.district.choices = [SelectChoice("", _l("The whole city (no district)"))] + [
            SelectChoice(str(d.id), d.name.text) for d in districts]


class EligibilityListForm(FlaskForm):
    file = FileField(_l("Eligibility list (CSV)"), description=_l(
        "Columns: document_number,district. The district is its name or short name; leave it empty for "
        "city-wide lists. Document numbers are scrambled with the city's key as they are read."))


class ConfirmForm(FlaskForm):
    confirm = BooleanField(_l("I understand"), validators=[InputRequired(message=_l("Tick the box to confirm."))])


class BudgetForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Enter the budget's title.")),
                                                 Length(max=200)])
    description = TextAreaField(_l("Description (optional)"), validators=[Optional(), Length(max=4000)])
    amount = _count(_l("Amount"), _l("Whole currency units, for example 1200000."), required=True, most=MAX_MONEY)
    currency = StringField(_l("Currency"), default="EUR", validators=[InputRequired(), Length(min=3, max=3)],
                           description=_l("Three-letter code, for example EUR."))
    district = SelectField(_l("Who votes"), choices=[], validate_choice=False)
    opens_at = DateTimeLocalField(_l("Voting opens"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Voting closes"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    ballot_kind = RadioField(_l("Ballot"), choices=[], default="approval")
    min_projects = _count(_l("Fewest projects a voter must choose"), _l("Approval and knapsack ballots; optional."))
    max_projects = _count(_l("Most projects a voter can choose"), _l("Approval and knapsack ballots; optional."))
    min_spend = _count(_l("Minimum spend"), _l("Knapsack ballots: the chosen projects must cost at least this "
                                               "much; optional."), most=MAX_MONEY)
    max_points_total = _count(_l("Points each voter has"), _l("Cumulative ballots."))
    max_points_per_project = _count(_l("Most points for one project"), _l("Cumulative ballots."))
    max_ranks = _count(_l("How many projects a voter can rank"), _l("Ranked ballots."))
    counting_rule = RadioField(_l("How winners are counted"), choices=[], default="greedy")
    threshold = _count(_l("Minimum score"), _l("Greedy with a threshold: projects below it cannot win."))

    def set_choices(self, districts, kind_labels, rule_labels) -> None:
        self.district.choices = [SelectChoice("", _l("Every resident of the city"))] + [
            SelectChoice(str(d.id), _l("Residents of %(district)s", district=d.name.text)) for d in districts]
        self.ballot_kind.choices = [SelectChoice(kind, kind_labels[kind]) for kind in BALLOT_KINDS]
        self.counting_rule.choices = [SelectChoice(rule, rule_labels[rule]) for rule in COUNTING_RULES]


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Enter the project's title.")),
                                                 Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=8000)])
    feasibility = TextAreaField(_l("Feasibility note (optional)"), validators=[Optional(), Length(max=2000)],
                                description=_l("What the city's technical review found: cost, permits, timing."))
    cost = _count(_l("Cost"), _l("Whole currency units."), required=True, most=MAX_MONEY)
    proposals = SelectMultipleField(_l("Comes from these accepted proposals (optional)"), coerce=int, choices=[],
                                    validate_choice=False, option_widget=CheckboxInput(),
                                    widget=ListWidget(prefix_label=False))
    photo = FileField(_l("Photo (optional)"), validators=[validate_upload],
                      description=_l("JPEG, PNG or WebP, up to 5 MB."))
    photo_alt = StringField(_l("Describe the photo"), validators=[Optional(), Length(max=300)],
                            description=_l("For people who cannot see it."))
    remove_photo = BooleanField(_l("Remove the current photo"))


def ballot_form_class(budget: Budget, assisted: bool = False) -> type[FlaskForm]:
    """A form whose fields are the budget's projects, in the shape its ballot kind needs."""

    class BallotForm(FlaskForm):
        pass

    kind = budget.ballot_kind
    choices = [SelectChoice(str(p.id), p.text("titles").text) for p in budget.projects]
    if kind in ("approval", "knapsack"):
        BallotForm.projects = SelectMultipleField(_l("Projects"), choices=choices, validate_choice=False)
    elif kind == "choose_one":
        BallotForm.project = RadioField(_l("Project"), choices=choices, validate_choice=False,
                                        validators=[Optional()])
    for project in budget.projects:
        if kind == "cumulative":
            setattr(BallotForm, f"points-{project.id}", IntegerField(
                _l("Points for %(title)s", title=project.text("titles").text), validators=[
                    Optional(), NumberRange(min=0, max=budget.max_points_per_project or 0, message=_l(
                        "Give from 0 to %(max)d points.", max=budget.max_points_per_project or 0))],
                render_kw={"inputmode": "numeric", "min": 0, "max": budget.max_points_per_project or 0}))
        elif kind == "ranked":
            places = [SelectChoice("", _l("Not ranked"))] + [
                SelectChoice(str(n), _l("Place %(num)d", num=n)) for n in range(1, (budget.max_ranks or 0) + 1)]
            setattr(BallotForm, f"rank-{project.id}", SelectField(
                _l("Place for %(title)s", title=project.text("titles").text), choices=places, validate_choice=False))
    if assisted:
        BallotForm.document_number = StringField(_l("The resident's document number"), validators=[
            InputRequired(message=_l("Enter the document number.")), Length(max=40)],
            render_kw={"autocomplete": "off", "spellcheck": "false"})
        BallotForm.channel = RadioField(_l("How the ballot was received"), default="desk", choices=[
            SelectChoice(code, label) for code, label in ASSISTED_CHANNEL_LABELS.items()])
        BallotForm.replace = BooleanField(_l("Replace their ballot if they have already voted"))
    else:
        BallotForm.age_band = RadioField(_l("Your age (optional)"), validators=[Optional()], choices=[
            SelectChoice("", _l("Prefer not to say"))] + [SelectChoice(a, AGE_LABELS[a]) for a in AGE_BANDS],
            default="")
        BallotForm.gender = RadioField(_l("Your gender (optional)"), validators=[Optional()], choices=[
            SelectChoice("", _l("Prefer not to say"))] + [SelectChoice(g, GENDER_LABELS[g]) for g in GENDERS],
            default="")
    return BallotForm


def choices_from(form: FlaskForm, budget: Budget) -> dict[int, int]:
    """The chosen projects as {project id: value}; unparseable values become errors on the field."""
    kind = budget.ballot_kind
    picked: dict[int, int] = {}

    def as_int(value) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    if kind in ("approval", "knapsack"):
        for value in form.projects.data or []:
            if (project_id := as_int(value)) is not None:
                picked[project_id] = 1
    elif kind == "choose_one":
        if (project_id := as_int(form.project.data)) is not None:
            picked[project_id] = 1
    else:
        prefix = "points" if kind == "cumulative" else "rank"
        for project in budget.projects:
            value = as_int(form[f"{prefix}-{project.id}"].data)
            if value:
                picked[project.id] = value
    return picked


def ballot_data(budget: Budget, choices: dict[int, int]) -> dict:
    """Form data that shows `choices` (the voter's current ballot) in the form."""
    kind = budget.ballot_kind
    if kind in ("approval", "knapsack"):
        return {"projects": [str(project_id) for project_id in choices]}
    if kind == "choose_one":
        return {"project": str(next(iter(choices), ""))}
    prefix = "points" if kind == "cumulative" else "rank"
    return {f"{prefix}-{project_id}": (value if kind == "cumulative" else str(value))
            for project_id, value in choices.items()}
