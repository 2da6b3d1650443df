from __future__ import annotations

from civic.core.messages import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.fields.core import Label

from civic.comments.services import BODY_MAX_LENGTH, DETAILS_MAX_LENGTH
from civic.core.forms import FlaskForm

STANCE_LABELS = {
    "for": _l("For"),
    "against": _l("Against"),
    "neutral": _l("Neutral"),
}

REASON_LABELS = {
    "spam": _l("Spam or advertising"),
    "personal_attack": _l("A personal attack"),
    "hate_speech": _l("Hate speech"),
    "private_information": _l("It shares someone’s private information"),
    "off_topic": _l("Off topic"),
    "other": _l("Something else"),
}


# Same words as civic.moderation.labels.channel_label, so they are translated once.
CHANNEL_LABELS = {
    "online": _l("online"),
    "phone": _l("received by phone"),
    "in_person": _l("received in person"),
}


def _body_field(label):
    # The rules (required, length) live in the service, which puts its message on this field.
    return TextAreaField(
        label,
        description=_l("Plain text. Leave an empty line between paragraphs; links become clickable."),
        render_kw={"rows": 5, "maxlength": BODY_MAX_LENGTH, "dir": "auto"},
    )


class CommentForm(FlaskForm):
    body = _body_field(_l("Your comment"))
    stance = RadioField(
        _l("Your position"),
        choices=[SelectChoice(value, label) for value, label in STANCE_LABELS.items()],
        validate_choice=False,
    )
    parent_id = HiddenField()
    # Shown to staff only, on the new-comment form: a comment a resident gave by phone or in person.
    channel = SelectField(
        _l("How did this comment reach us?"),
        description=_l("Staff only. For a comment a resident gave by phone or in person, it is shown as "
                       "from “A resident”, not under your name."),
        choices=[SelectChoice(value, label) for value, label in CHANNEL_LABELS.items()],
        default="online",
        validate_choice=False,
    )

    def give_ids(self, prefix: str) -> CommentForm:
        """Several comment forms share a page: give each its own element ids."""
        if self.parent_id.data:
            self.body.label.text = _l("Your reply")
        for name in ("body", "stance", "channel"):
            field = getattr(self, name)
            field.id = f"{prefix}-{name}"
            field.label = Label(False if name == "stance" else field.id, field.label.text)
        return self


class EditCommentForm(FlaskForm):
    body = _body_field(_l("Your comment"))


class DeleteCommentForm(FlaskForm):
    pass


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("Why are you reporting this comment?"),
        choices=[SelectChoice(value, label) for value, label in REASON_LABELS.items()],
        validate_choice=False,
    )
    details = TextAreaField(
        _l("Anything the moderators should know (optional)"),
        render_kw={"rows": 4, "maxlength": DETAILS_MAX_LENGTH, "dir": "auto"},
    )
