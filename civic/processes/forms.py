"""Staff form for a process. Texts are edited one language at a time; phases are date pairs."""

from __future__ import annotations

from civic.core.messages import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from civic.core.forms import FlaskForm
from civic.processes.models import PHASES

DATE_HINT = _l("For example 2027-03-12.")


def _text(label, required_message=None, area=False, max_length=4000, **kwargs):
    validators = [InputRequired(message=required_message)] if required_message else [Optional()]
    validators.append(Length(max=max_length, message=_l("Use at most %(max)d characters.", max=max_length)))
    return (TextAreaField if area else StringField)(label, validators=validators, **kwargs)


class ProcessForm(FlaskForm):
    title = _text(_l("Title"), _l("Enter the process's title."), max_length=200)
    description = _text(_l("Description (optional)"), area=True)
    decides = _text(_l("What residents decide"), _l("Say what residents decide in this process."), area=True,
                    max_length=2000, description=_l("For example: how to spend €1.2M on projects in their district."))
    impacts = _text(_l("How the outcome will affect residents"),
                    _l("Say how the outcome will affect residents."), area=True, max_length=2000,
                    description=_l("For example: the winning projects are built in 2028 and 2029."))
    scope = SelectField(_l("Where"), choices=[], validate_choice=False)
    channel_online = BooleanField(_l("Online"), default=True)
    channel_phone = BooleanField(_l("By phone"))
    channel_in_person = BooleanField(_l("In person"))
    premoderation = BooleanField(_l("Moderators approve new proposals before others see them"))
    goals = SelectMultipleField(_l("Linked plan goals (optional)"), coerce=int, choices=[], validate_choice=False,
                                description=_l("Hold Ctrl (or Cmd) to choose more than one."))

    def set_choices(self, districts, goals) -> None:
        self.scope.choices = [SelectChoice("", _l("The whole city"))] + [
            SelectChoice(str(d.id), d.name.text) for d in districts]
        self.goals.choices = [SelectChoice(goal.id, _l("Goal %(number)d: %(statement)s", number=goal.number,
                                                       statement=goal.text("statements").text)) for goal in goals]


for _kind in PHASES:
    setattr(ProcessForm, f"{_kind}_starts", DateField(_l("Starts on"), validators=[Optional()], description=DATE_HINT))
    setattr(ProcessForm, f"{_kind}_ends", DateField(_l("Ends on"), validators=[Optional()], description=DATE_HINT))
