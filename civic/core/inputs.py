"""Bounds on what a request may carry, checked before any view runs, and on the JSON that goes out.

Numbers that cannot fit a column and NUL characters (which PostgreSQL refuses in text) never reach the
database: an id in a path past the largest id is a 404, a NUL in the address a clear 400 page, and a
query-string number out of range reads as absent. Form fields are checked by the app's base form
(civic.core.forms); money, counts and ids share the bounds below with the CHECK constraints. JSON
answers never hold NaN or Infinity: they are not JSON, and most readers refuse the whole file.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from civic.core.messages import lazy_gettext as _l

# Ids are `integer` on PostgreSQL (int4): the same bound everywhere, so SQLite behaves alike.
MAX_ID = 2**31 - 1
# Money in whole units or with cents: fits numeric(14, 2) and bigint, and is more than any city spends.
MAX_MONEY = 999_999_999_999
MAX_DECIMAL_MONEY = Decimal("999999999999.99")
# Counts stored as `integer` (points, projects, ranks, weights, thresholds, numbers, versions).
MAX_COUNT = 1_000_000
# Indicator values: numeric(18, 4).
MAX_MEASURE = Decimal("99999999999999.9999")

NUL_MESSAGE = _l("The text contains a null character, which is not allowed. Remove it and try again.")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: ids past MAX_ID match no route, so they are a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bounded_int(value: str) -> int:
    """A `type=` for request.args.get: out of range raises ValueError, so the default is used."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError(value)
    return number


class NullCharacter(BadRequest):
    """A NUL in the address or the query string."""

    message = NUL_MESSAGE


def refuse_nul_in_address() -> None:
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                     for key, value in request.args.items(multi=True)):
        raise NullCharacter()


class StrictJSONProvider(DefaultJSONProvider):
    """jsonify with allow_nan=False: a non-finite number is a bug to see, never invalid JSON to publish."""

    def dumps(self, obj, **kwargs) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


def init_inputs(app: Flask) -> None:
    """Call before the blueprints are registered: routes pick the converter up as they are added."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = StrictJSONProvider(app)
    app.before_request(refuse_nul_in_address)
