"""Proposal forms. Choices are SelectChoice objects; services re-check every value."""

from __future__ import annotations

from civic.core.messages import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms.form import BaseForm
from wtforms import (BooleanField, SearchField, RadioField, SelectChoice, SelectField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from civic.core.forms import FiniteDecimalField, FlaskForm
from civic.plans.forms import DIMENSION_LABELS
from civic.plans.models import DIMENSIONS
from civic.proposals import photos
from civic.proposals.display import STATUS_LABELS
from civic.proposals.services import BODY_MAX_LENGTH, STAFF_STATUSES, TITLE_MAX_LENGTH


def category_choices(goals) -> list[SelectChoice]:
    choices = [SelectChoice("", _l("Choose a category"))]
    choices += [SelectChoice(f"goal:{goal.id}", _l("Goal %(number)d: %(statement)s", number=goal.number,
                                                   statement=goal.text("statements").text)) for goal in goals]
    choices += [SelectChoice(f"dimension:{code}", DIMENSION_LABELS[code]) for code in DIMENSIONS]
    return choices


def district_choices(districts, empty_label) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [SelectChoice(str(d.id), d.name.text) for d in districts]


def _alt_when_photo(form, field):
    if form.photo.data and not (field.data or "").strip():
        raise ValidationError(_l("Describe the photo for people who cannot see it."))


def _coordinates_paired(form, field):
    if (form.latitude.data is None) != (form.longitude.data is None) and not (form.latitude.errors or
                                                                                 form.longitude.errors):
        raise ValidationError(_l("Enter both the latitude and the longitude, or neither."))


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        InputRequired(message=_l("Enter a title for your proposal.")),
        Length(max=TITLE_MAX_LENGTH, message=_l("Use at most %(max)d characters.", max=TITLE_MAX_LENGTH))],
        description=_l("Say what you propose in a few words, for example: Shade trees on Market Street."))
    body = TextAreaField(_l("Your proposal"), validators=[
        InputRequired(message=_l("Describe your proposal.")),
        Length(max=BODY_MAX_LENGTH, message=_l("Use at most %(max)d characters.", max=BODY_MAX_LENGTH))],
        description=_l("What should be done, where, and who it helps. Leave an empty line between paragraphs."))
    language = SelectField(_l("Language you are writing in"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False,
                           validators=[InputRequired(message=_l("Choose a category from the list."))],
                           description=_l("A goal of the city's action plan, or a general area."))
    district = SelectField(_l("District (optional)"), choices=[], validate_choice=False)
    address = StringField(_l("Address or place (optional)"), validators=[
        Optional(), Length(max=200, message=_l("Use at most %(max)d characters.", max=200))])
    latitude = FiniteDecimalField(
        _l("Latitude (optional)"), places=None, render_kw={"inputmode": "decimal"}, validators=[
            Optional(), NumberRange(min=-90, max=90, message=_l("Enter a latitude between -90 and 90."))],
        description=_l("For example 51.5072."))
    longitude = FiniteDecimalField(
        _l("Longitude (optional)"), places=None, render_kw={"inputmode": "decimal"}, validators=[
            Optional(), NumberRange(min=-180, max=180, message=_l("Enter a longitude between -180 and 180.")),
            _coordinates_paired],
        description=_l("For example -0.1276."))
    photo = FileField(_l("Photo (optional)"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("The photo must be a JPEG, PNG or WebP image.")),
        FileSize(max_size=photos.MAX_BYTES, message=_l("The photo must be 5 MB or smaller.")),
        photos.validate_upload],
        description=_l("JPEG, PNG or WebP, up to 5 MB. We remove the location and camera details stored in it."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"})
    photo_alt = StringField(_l("Describe the photo (required with a photo)"), validators=[
        Length(max=300, message=_l("Use at most %(max)d characters.", max=300)), _alt_when_photo],
        description=_l("For people who cannot see it, for example: The bare pavement of Market Street at noon."))
    remove_photo = BooleanField(_l("Remove the current photo"))
    show_name = RadioField(_l("How you appear next to your proposal"), choices=[], validate_choice=True,
                           validators=[InputRequired(message=_l("Choose how you appear."))])

    def set_choices(self, goals, districts, *, resident_label: str, name: str | None) -> None:
        self.category.choices = category_choices(goals)
        self.district.choices = district_choices(districts, _l("No particular district"))
        self.show_name.choices = [SelectChoice("no", resident_label)]
        if name is not None:
            self.show_name.choices.insert(0, SelectChoice("yes", _l("With my name, %(name)s", name=name)))


class RecordForm(ProposalForm):
    channel = RadioField(_l("How the proposal was received"), choices=[
        SelectChoice("phone", _l("By phone")), SelectChoice("in_person", _l("In person"))],
        validators=[InputRequired(message=_l("Choose how the proposal was received."))])


class WithdrawForm(FlaskForm):
    pass


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(code, STATUS_LABELS[code]) for code in STAFF_STATUSES])
    reason = TextAreaField(_l("Public reason"), validators=[
        Length(max=2000, message=_l("Use at most %(max)d characters.", max=2000))],
        description=_l("Required when rejecting. Residents read it next to the proposal."))
    merged_into = SelectField(_l("Merged into (only when merging)"), choices=[], validate_choice=False)


def filter_form(args) -> BaseForm:
    """The list's GET filters (no CSRF: reading changes nothing). A BaseForm, because a field named
    `process` would hide Form.process; templates read fields as form['name']."""
    form = BaseForm([
        ("q", SearchField(_l("Search"), description=_l("Words from the title or the text."))),
        ("process", SelectField(_l("Process"), choices=[], validate_choice=False)),
        ("district", SelectField(_l("District"), choices=[], validate_choice=False)),
        ("category", SelectField(_l("Category"), choices=[], validate_choice=False)),
        ("status", SelectField(_l("Status"), choices=[], validate_choice=False)),
        ("sort", SelectField(_l("Sort by"), choices=[
            SelectChoice("newest", _l("Newest first")), SelectChoice("supported", _l("Most supported")),
            SelectChoice("commented", _l("Most commented"))], validate_choice=False)),
    ])
    form.process(args)
    return form
