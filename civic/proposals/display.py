"""Words for proposals that pages, the API and the CSV share."""

from __future__ import annotations

from flask_babel import gettext as _
from civic.core.messages import lazy_gettext as _l

from civic.plans.forms import DIMENSION_LABELS
from civic.proposals.models import Proposal

STATUS_LABELS = {
    "published": _l("Published"),
    "under_review": _l("Under review by the city"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "merged": _l("Merged into another proposal"),
    "withdrawn": _l("Withdrawn by its author"),
}


def shows_name(proposal: Proposal) -> bool:
    """The author's name appears only when they chose it for this proposal and typed it in themselves."""
    return bool(proposal.show_name and proposal.channel == "online" and proposal.author is not None
                and proposal.author.deleted_at is None)


def author_name(proposal: Proposal) -> str:
    if shows_name(proposal):
        return proposal.author.display_name
    if proposal.district is not None:
        return _("A resident of %(district)s", district=proposal.district.name.text)
    return _("A resident")


def category_code(proposal: Proposal) -> str:
    if proposal.goal_id is not None:
        return f"goal:{proposal.goal_id}"
    return f"dimension:{proposal.dimension}" if proposal.dimension else ""


def category_label(proposal: Proposal) -> str:
    if proposal.goal is not None:
        return _("Goal %(number)d: %(statement)s", number=proposal.goal.number,
                 statement=proposal.goal.text("statements").text)
    return str(DIMENSION_LABELS.get(proposal.dimension, "")) if proposal.dimension else ""
