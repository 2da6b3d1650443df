"""Follow a process or an outcome from elsewhere: Atom feeds of what happened, and an iCalendar of
process phases. Like every export, no personal data: updates never say who wrote them and
proposals are named by their title only."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from icalendar import Calendar, Event, vText
from sqlalchemy.orm import joinedload, selectinload

from civic.budgets.models import Budget, Project, ResultPublication
from civic.city.services import current_city
from civic.core.db import utcnow
from civic.core.i18n import current_language
from civic.core.links import base_url, external_url
from civic.extensions import db
from civic.outcomes.models import Outcome, OutcomeUpdate, outcome_project, outcome_proposal
from civic.processes.models import Process
from civic.processes.services import PHASE_LABELS, list_processes
from civic.proposals.display import STATUS_LABELS
from civic.proposals.models import Proposal

bp = Blueprint("feeds", __name__)

MAX_ENTRIES = 50
DECISIONS = ("under_review", "accepted", "rejected", "merged")  # statuses the city sets on a proposal


@dataclass
class Entry:
    id: str
    title: str
    link: str
    updated: datetime
    summary: str


def outcome_url(outcome_id: int) -> str:
    return external_url("outcomes.outcome", outcome_id=outcome_id)


def _site() -> str:
    city = current_city()
    return city.name.text if city else "civic"


def _atom(title: str, subtitle: str, page: str, entries: list[Entry], fallback: datetime) -> Response:
    entries = sorted(entries, key=lambda entry: entry.updated, reverse=True)[:MAX_ENTRIES]
    feed = FeedGenerator()
    # This feed's own address from the configured base URL: a proxy may cache it for everyone.
    here = external_url(request.endpoint, **(request.view_args or {}))
    feed.id(here)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author({"name": _site()})
    feed.link(href=page, rel="alternate", type="text/html")
    feed.link(href=here, rel="self", type="application/atom+xml")
    feed.language(current_language())
    feed.updated(entries[0].updated if entries else fallback)
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.title(item.title)
        entry.link(href=item.link, rel="alternate", type="text/html")
        entry.updated(item.updated)
        entry.summary(item.summary)
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")


# Process feed ---------------------------------------------------------------------------------

def _decision_summary(proposal: Proposal) -> str:
    if proposal.status == "rejected":
        return _("Rejected. The city's reason: %(reason)s", reason=proposal.status_reason)
    if proposal.status == "merged" and proposal.merged_into_id:
        return _("Merged into proposal %(number)d.", number=proposal.merged_into_id)
    return str(STATUS_LABELS[proposal.status])


def _decisions(process: Process) -> list[Entry]:
    proposals = db.session.scalars(
        sa.select(Proposal).where(Proposal.process_id == process.id, Proposal.status.in_(DECISIONS),
                                  Proposal.hidden_at.is_(None), Proposal.awaiting_approval.is_(False))
        .order_by(Proposal.updated_at.desc()).limit(MAX_ENTRIES))
    entries = []
    for proposal in proposals:
        link = external_url("proposals.detail", proposal_id=proposal.id)
        entries.append(Entry(id=f"{link}#status-{proposal.status}",
                             title=_("Proposal “%(title)s”: %(status)s", title=proposal.title,
                                     status=STATUS_LABELS[proposal.status]),
                             link=link, updated=proposal.updated_at, summary=_decision_summary(proposal)))
    return entries


def _results(process: Process) -> list[Entry]:
    budgets = db.session.scalars(
        sa.select(Budget).join(ResultPublication).where(Budget.process_id == process.id)
        .options(joinedload(Budget.publication), selectinload(Budget.projects)))
    entries = []
    for budget in budgets:
        publication = budget.publication
        titles = {project.public_id: project.text("titles").text for project in budget.projects}
        chosen = [titles.get(result["project_id"], result["project_id"])
                  for result in publication.results["projects"] if result["selected"]]
        voters = ngettext("%(num)d person voted.", "%(num)d people voted.", publication.voters)
        link = external_url("budgets.results_page", budget_id=budget.id)
        entries.append(Entry(id=link, title=_("Results published: %(budget)s", budget=budget.text("titles").text),
                             link=link, updated=publication.published_at,
                             summary=" ".join([voters, _("Selected projects: %(projects)s.",
                                                         projects="; ".join(chosen) or _("none"))])))
    return entries


def _update_entry(update: OutcomeUpdate, outcome: Outcome) -> Entry:
    link = outcome_url(outcome.id)
    day = format_date(update.on, "long")
    if update.progress is None:
        summary = _("%(date)s: %(text)s", date=day, text=update.text)
    else:
        summary = _("%(date)s: %(progress)d%% done. %(text)s", date=day, progress=update.progress, text=update.text)
    return Entry(id=f"{link}#update-{update.id}", title=_("Update on %(outcome)s", outcome=outcome.text("titles").text),
                 link=link, updated=update.created_at, summary=summary)


def _outcome_updates(process: Process) -> list[Entry]:
    through_projects = (sa.select(outcome_project.c.outcome_id)
                        .join(Project, Project.id == outcome_project.c.project_id)
                        .join(Budget, Budget.id == Project.budget_id).where(Budget.process_id == process.id))
    through_proposals = (sa.select(outcome_proposal.c.outcome_id)
                         .join(Proposal, Proposal.id == outcome_proposal.c.proposal_id)
                         .where(Proposal.process_id == process.id))
    updates = db.session.scalars(
        sa.select(OutcomeUpdate).where(OutcomeUpdate.outcome_id.in_(sa.union(through_projects, through_proposals)))
        .options(joinedload(OutcomeUpdate.outcome))
        .order_by(OutcomeUpdate.created_at.desc(), OutcomeUpdate.id.desc()).limit(MAX_ENTRIES))
    return [_update_entry(update, update.outcome) for update in updates]


@bp.route("/processes/<int:process_id>/updates.atom")
def process_updates(process_id: int):
    process = db.get_or_404(Process, process_id)
    title = process.text("titles").text
    entries = _decisions(process) + _results(process) + _outcome_updates(process)
    return _atom(_("%(process)s: updates", process=title),
                 _("Decisions on proposals, published results and progress on what was chosen."),
                 external_url("processes.process", process_id=process.id), entries, process.created_at)


@bp.route("/outcomes/<int:outcome_id>/updates.atom")
def outcome_updates(outcome_id: int):
    outcome = db.session.scalars(sa.select(Outcome).where(Outcome.id == outcome_id)
                                 .options(selectinload(Outcome.updates))).first()
    if outcome is None:
        abort(404)
    return _atom(_("%(outcome)s: progress updates", outcome=outcome.text("titles").text),
                 _("Dated progress reports from the city."), outcome_url(outcome.id),
                 [_update_entry(update, outcome) for update in outcome.updates], outcome.updated_at)


# Phases as a calendar -------------------------------------------------------------------------

def _ical_text(value: str, *, one_line: bool = False) -> vText:
    """A TEXT value: icalendar escapes commas, semicolons, backslashes and line breaks and folds long
    lines. Line breaks become one kind (a lone CR would end the line), and other control characters,
    which TEXT may not hold, go."""
    lines = ["".join(char for char in line if char == "\t" or unicodedata.category(char) != "Cc")
             for line in (value or "").splitlines()]
    return vText((" " if one_line else "\n").join(lines))


def _calendar(name: str, processes: list[Process]) -> Response:
    calendar = Calendar()
    calendar.add("prodid", "-//civic//participatory processes//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _ical_text(name, one_line=True))
    stamp = utcnow()
    for process in processes:
        page = external_url("processes.process", process_id=process.id)
        title = process.text("titles").text
        for phase in process.phases:
            event = Event()
            event.add("uid", f"process-{process.id}-{phase.kind}@{urlsplit(base_url()).hostname}")
            event.add("dtstamp", stamp)
            # All-day events: DTEND is the day after the last day.
            event.add("dtstart", phase.starts_on)
            event.add("dtend", phase.ends_on + timedelta(days=1))
            event.add("summary", _ical_text(_("%(process)s: %(phase)s", process=title,
                                                 phase=PHASE_LABELS[phase.kind]), one_line=True))
            event.add("description", _ical_text(process.text("decides").text))
            event.add("url", page)
            calendar.add_component(event)
    return Response(calendar.to_ical(), mimetype="text/calendar")


@bp.route("/processes/<int:process_id>/phases.ics")
def process_phases(process_id: int):
    process = db.session.scalars(sa.select(Process).where(Process.id == process_id)
                                 .options(selectinload(Process.phases))).first()
    if process is None:
        abort(404)
    return _calendar(process.text("titles").text, [process])


@bp.route("/processes/phases.ics")
def all_phases():
    return _calendar(_("Participatory processes in %(city)s", city=_site()), list_processes())
