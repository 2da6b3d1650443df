"""Community group pages: the list, starting a group, a group's page, joining and following."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.core import ratelimits
from civic.core.db import utcnow
from civic.core.forms import run_form
from civic.core.htmx import render
from civic.core.i18n import LANGUAGE_NAMES, current_language
from civic.core.inputs import bounded_int
from civic.extensions import db
from civic.groups import forms, services
from civic.groups.models import CommunityGroup

bp = Blueprint("groups", __name__, url_prefix="/groups")


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _group_or_404(slug: str) -> CommunityGroup:
    return services.find_group(slug) or abort(404)


def _to_sign_in(group: CommunityGroup):
    flash(_("Sign in to take part in community groups."), "info")
    return redirect(url_for("accounts.sign_in", next=url_for(".group", slug=group.slug)), code=303)


def _back(group: CommunityGroup, anchor: str = ""):
    return redirect(url_for(".group", slug=group.slug) + anchor, code=303)


@bp.route("/")
def index():
    return render("groups/index.html", groups=services.list_groups(), signed_in=_viewer() is not None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = forms.GroupForm(language=current_language())
    form.set_languages(LANGUAGE_NAMES)
    created: list[CommunityGroup] = []

    def start() -> None:
        ratelimits.consume(ratelimits.GROUPS_PER_ACCOUNT, ratelimits.account_key(_viewer()))
        created.append(services.create_group(_viewer(), name=form.name.data, description=form.description.data,
                                             language=form.language.data, now=utcnow()))

    if run_form(form, start):
        flash(_("Your group is ready and you are its organiser."), "success")
        return _back(created[0])
    return render("groups/new.html", form=form, status=422 if form.errors or form.form_errors else 200)


def _page(group: CommunityGroup, form: forms.FollowForm | None = None, status: int = 200):
    viewer = _viewer()
    membership = services.membership_of(viewer, group)
    organiser = membership is not None and membership.role == "organiser"
    if organiser:
        form = form or forms.FollowForm(formdata=None)
        form.set_items(services.choices_to_follow(viewer, group))
    return render("groups/group.html", group=group, page=services.group_page(group, utcnow()),
                  membership=membership, organiser=organiser, form=form, status=status)


@bp.route("/<slug>")
def group(slug: str):
    return _page(_group_or_404(slug))


@bp.route("/<slug>/join", methods=["POST"])
def join(slug: str):
    group = _group_or_404(slug)
    if _viewer() is None:
        return _to_sign_in(group)
    services.join_group(_viewer(), group, utcnow())
    db.session.commit()
    flash(_("You are a member of this group. You will hear about what it follows."), "success")
    return _back(group)


@bp.route("/<slug>/leave", methods=["POST"])
def leave(slug: str):
    group = _group_or_404(slug)
    if _viewer() is None:
        return _to_sign_in(group)
    services.leave_group(_viewer(), group)
    db.session.commit()
    flash(_("You have left this group."), "success")
    return _back(group)


def _organiser_or_refuse(group: CommunityGroup):
    if _viewer() is None:
        return _to_sign_in(group)
    if not services.is_organiser(_viewer(), group):
        abort(403)
    return None


@bp.route("/<slug>/follows", methods=["POST"])
def follow(slug: str):
    group = _group_or_404(slug)
    if refused := _organiser_or_refuse(group):
        return refused
    form = forms.FollowForm()

    def add() -> None:
        kind, object_id = services.chosen_item(form.item.data, form.address.data)
        services.follow_for_group(_viewer(), group, kind, object_id, utcnow())

    if run_form(form, add):
        flash(_("The group follows it now. Its members will hear when it changes."), "success")
        return _back(group, "#group-follows")
    return _page(group, form, status=422)


@bp.route("/<slug>/follows/remove", methods=["POST"])
def unfollow(slug: str):
    group = _group_or_404(slug)
    if refused := _organiser_or_refuse(group):
        return refused
    object_id = request.form.get("object_id", type=bounded_int)
    if object_id is None:
        abort(400)
    services.unfollow_for_group(_viewer(), group, request.form.get("kind", ""), object_id)
    db.session.commit()
    flash(_("The group no longer follows it."), "success")
    return _back(group, "#group-follows")
