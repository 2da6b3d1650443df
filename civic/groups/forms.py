"""Community group forms. Services re-check every value."""

from __future__ import annotations

from civic.core.messages import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from civic.core.forms import FlaskForm
from civic.groups.services import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH


class GroupForm(FlaskForm):
    name = StringField(_l("Name of the group"), validators=[
        InputRequired(message=_l("Enter the group’s name.")),
        Length(max=NAME_MAX_LENGTH, message=_l("Use at most %(max)d characters.", max=NAME_MAX_LENGTH))],
        description=_l("For example: Friends of Market Street."), render_kw={"dir": "auto"})
    description = TextAreaField(_l("What the group is about (optional)"), validators=[
        Length(max=DESCRIPTION_MAX_LENGTH, message=_l("Use at most %(max)d characters.",
                                                      max=DESCRIPTION_MAX_LENGTH))],
        description=_l("Anyone can read it on the group’s page. Plain text."),
        render_kw={"rows": 5, "dir": "auto", "maxlength": DESCRIPTION_MAX_LENGTH})
    language = SelectField(_l("Language of the name and description"), choices=[], validate_choice=True)

    def set_languages(self, names: dict[str, str]) -> None:
        self.language.choices = [SelectChoice(code, name, render_kw={"lang": code}) for code, name in names.items()]


class FollowForm(FlaskForm):
    """An organiser adds an item: one they follow themselves, or any page's address."""

    item = SelectField(_l("Something you follow"), choices=[], validate_choice=False,
                       description=_l("Follow a page yourself first, or paste its address below."))
    address = StringField(_l("Or the address of its page"), validators=[Length(max=500)],
                          description=_l("Copy it from the address bar of a process, proposal, goal or outcome page."),
                          render_kw={"dir": "ltr", "inputmode": "url", "spellcheck": "false"})

    def set_items(self, items) -> None:
        self.item.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(f"{item.kind}:{item.object_id}", f"{item.label}: {item.title.text}") for item in items]
