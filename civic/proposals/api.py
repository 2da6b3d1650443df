"""Open data: proposals as JSON and CSV. Nothing personal: no e-mails, and a name only when its
author chose to show it on a proposal they submitted online."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, request

from civic.comments.services import body_to_text
from civic.core.csvsafe import cell
from civic.core.inputs import bounded_int
from civic.core.links import external_url
from civic.extensions import db
from civic.proposals import display, queries

bp = Blueprint("proposals_api", __name__)

COLUMNS = ["id", "title", "body", "district", "category", "status", "supports", "comments", "created_at", "author",
           "url"]


def _filters() -> queries.Filters:
    filters = queries.parse_filters(request.args)
    # Open data is filtered by process, district and status only, newest first.
    return queries.Filters(process=filters.process, district=filters.district, status=filters.status)


def record(item: queries.Item) -> dict:
    proposal = item.proposal
    district = proposal.district
    row = {"id": proposal.id, "title": proposal.title, "body": body_to_text(proposal.body),
           "district": district.names.get(district.original_language, "") if district else None,
           "category": display.category_code(proposal), "status": proposal.status,
           "supports": proposal.support_count, "comments": item.comments,
           "created_at": proposal.created_at.isoformat(),
           "url": external_url("proposals.detail", proposal_id=proposal.id)}
    if display.shows_name(proposal):
        row["author"] = proposal.author.display_name
    return row


def _per_page() -> int:
    return min(max(request.args.get("per_page", 20, type=bounded_int) or 20, 1), 100)


@bp.route("/api/v1/proposals")
def index():
    page = max(request.args.get("page", 1, type=bounded_int) or 1, 1)
    pagination = queries.paginate(_filters(), None, page, _per_page(), public=True)
    return jsonify(proposals=[record(item) for item in queries.items(list(pagination.items))], page=pagination.page,
                   pages=pagination.pages, total=pagination.total, per_page=pagination.per_page)


@bp.route("/proposals.csv")
def csv_download():
    proposals = list(db.session.scalars(queries.filtered(_filters(), None, public=True)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for item in queries.items(proposals):
        writer.writerow({key: cell(value) for key, value in record(item).items()})
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=proposals.csv"})
