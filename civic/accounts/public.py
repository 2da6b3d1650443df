"""How a person is shown next to what they wrote, respecting their choice to stay anonymous."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.accounts.models import User


def public_name(user: User | None, shown: bool | None = None) -> str:
    """The display name when they chose to show it, else "A resident of <district>" (translated).

    `shown` is the choice recorded with a contribution; without one, the profile default applies.
    """
    if user is None or user.deleted_at is not None:
        return _("Deleted account")
    if user.show_name_publicly if shown is None else shown:
        return user.display_name
    if user.district is not None:
        return _("A resident of %(district)s", district=user.district.name.text)
    return _("A resident")
