from __future__ import annotations

from flask_babel import gettext as _
from civic.core.messages import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField

from civic.comments.forms import REASON_LABELS
from civic.core.forms import FlaskForm
from civic.moderation.services import DETAILS_MAX_LENGTH, NOTE_MAX_LENGTH

ACTION_LABELS = {
    "hide": _l("Hidden"),
    "restore": _l("Restored"),
    "dismiss": _l("Reports dismissed"),
    "approve": _l("Approved"),
    "block": _l("Account blocked"),
    "unblock": _l("Account unblocked"),
}

def target_label(kind: str, target_id: int) -> str:
    if kind == "proposal":
        return _("Proposal %(id)s", id=target_id)
    if kind == "comment":
        return _("Comment %(id)s", id=target_id)
    return _("Account %(id)s", id=target_id)

DONE_MESSAGES = {
    "hide": _l("Hidden. Everyone now sees the reason in its place."),
    "restore": _l("Restored. Everyone can see it again."),
    "dismiss": _l("The reports were dismissed; nothing was hidden."),
    "approve": _l("Approved. Everyone can see it now."),
    "block": _l("The account is blocked: it can read but no longer post."),
    "unblock": _l("The account is unblocked and can post again."),
}


def _reason_choices():
    return [SelectChoice("", _l("Choose a reason"))] + [
        SelectChoice(value, label) for value, label in REASON_LABELS.items()]


class ReportProposalForm(FlaskForm):
    reason = RadioField(
        _l("Why are you reporting this proposal?"),
        choices=[SelectChoice(value, label) for value, label in REASON_LABELS.items()],
        validate_choice=False,
    )
    details = TextAreaField(
        _l("Anything the moderators should know (optional)"),
        render_kw={"rows": 4, "maxlength": DETAILS_MAX_LENGTH, "dir": "auto"},
    )


class ActionForm(FlaskForm):
    """The queue's and the log's small forms. The template writes the fields with ids of their own,
    since many of these forms share a page; this class reads and checks what they send."""

    reason = SelectField(_l("Public reason"), choices=_reason_choices(), validate_choice=False)
    note = TextAreaField(_l("Note for other moderators (optional)"),
                         render_kw={"rows": 2, "maxlength": NOTE_MAX_LENGTH, "dir": "auto"})
    next = HiddenField()
