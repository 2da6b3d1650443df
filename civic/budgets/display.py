"""Budget amounts in the reader's locale: whole currency units, no cents."""

from __future__ import annotations

from babel.numbers import format_currency
from flask_babel import get_locale


def whole_money(amount: int | None, currency: str) -> str:
    if amount is None:
        return ""
    locale = get_locale()
    # The locale's own pattern (symbol before or after, grouping), without the fraction digits.
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)
