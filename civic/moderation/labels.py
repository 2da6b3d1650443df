"""Words for moderation that several areas show: the public reasons and the hidden-content notice."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.comments.forms import REASON_LABELS

def reason_label(code: str | None) -> str:
    return str(REASON_LABELS.get(code or "other", REASON_LABELS["other"]))


def hidden_notice(code: str | None) -> str:
    """What everyone sees in place of hidden content."""
    return _("Hidden by a moderator: %(reason)s", reason=reason_label(code))


def channel_label(code: str) -> str:
    return {"online": _("online"), "phone": _("received by phone"), "in_person": _("received in person")}[code]
