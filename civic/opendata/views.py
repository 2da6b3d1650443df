"""The open data page and every dataset as CSV and JSON, each download counted."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app, request, stream_with_context

from civic.core.db import utcnow
from civic.core.htmx import render
from civic.extensions import db
from civic.opendata.datasets import (DATASETS, TYPE_LABELS, Dataset, count_download, csv_value,
                                     download_counts, json_value)

bp = Blueprint("opendata", __name__)

FLUSH_EVERY = 500  # rows per chunk of a streamed file


def licence() -> dict[str, str]:
    return current_app.config["OPEN_DATA_LICENCE"]


@bp.route("/open-data")
def index():
    datasets = list(DATASETS.values())
    return render("opendata/index.html", datasets=datasets, licence=licence(), counts=download_counts(),
                  last_changed={item.name: item.last_changed() for item in datasets}, type_labels=TYPE_LABELS)


def _dataset(name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None:
        abort(404)
    return dataset


def _counted(dataset: Dataset, fmt: str) -> None:
    # HEAD requests and link checkers that only look are not downloads.
    if request.method == "GET":
        count_download(dataset.name, fmt)
        db.session.commit()


def _download(body: Iterator[str], mimetype: str, filename: str) -> Response:
    return Response(stream_with_context(body), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/open-data/<name>.csv")
def csv_file(name: str):
    dataset = _dataset(name)
    _counted(dataset, "csv")
    return _download(_csv(dataset), "text/csv", f"{dataset.name}.csv")


@bp.route("/open-data/<name>.json")
def json_file(name: str):
    dataset = _dataset(name)
    _counted(dataset, "json")
    return _download(_json(dataset), "application/json", f"{dataset.name}.json")


def _csv(dataset: Dataset) -> Iterator[str]:
    names = dataset.column_names
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    for number, row in enumerate(dataset.rows(), start=1):
        writer.writerow([csv_value(row.get(name)) for name in names])
        if number % FLUSH_EVERY == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def metadata(dataset: Dataset) -> dict:
    """What the JSON file says about itself before its rows."""
    changed = dataset.last_changed()
    return {"dataset": dataset.name, "title": str(dataset.title), "description": str(dataset.description),
            "licence": licence(), "generated_at": utcnow().isoformat(),
            "last_changed": changed.isoformat() if changed else None,
            "columns": [{"name": column.name, "type": column.type, "description": str(column.description)}
                        for column in dataset.columns]}


def _json(dataset: Dataset) -> Iterator[str]:
    names = dataset.column_names
    head = json.dumps(metadata(dataset), ensure_ascii=False, allow_nan=False)
    yield head[:-1] + ', "rows": ['
    chunk: list[str] = []
    for number, row in enumerate(dataset.rows()):
        record = {name: row.get(name) for name in names}
        chunk.append(("," if number else "") + json.dumps(record, ensure_ascii=False, default=json_value,
                                                          allow_nan=False))
        if len(chunk) == FLUSH_EVERY:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "]}"
