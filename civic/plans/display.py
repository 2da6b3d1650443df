"""Numbers, money and KPIs in words, for the reader's locale."""

from __future__ import annotations

from decimal import Decimal

from babel import numbers
from flask_babel import format_currency, format_decimal, get_locale
from flask_babel import gettext as _


def kpi_value(value: Decimal, unit: str) -> str:
    if unit.strip() == "%":
        # Babel's own call: Flask-Babel's wrapper cannot keep decimals such as 12.5 %.
        return numbers.format_percent(Decimal(value) / 100, locale=get_locale(), decimal_quantization=False)
    number = format_decimal(value, format="#,##0.##")
    return _("%(value)s %(unit)s", value=number, unit=unit).strip() if unit else number


def kpi_sentence(goal) -> str:
    """'baseline 31% (2023) → target 50% (2030)': the KPI in words, never only as a chart."""
    return _("baseline %(baseline)s (%(baseline_year)s) → target %(target)s (%(target_year)s)",
             baseline=kpi_value(goal.kpi_baseline, goal.kpi_unit), baseline_year=goal.kpi_baseline_year,
             target=kpi_value(goal.kpi_target, goal.kpi_unit), target_year=goal.kpi_target_date.year)


def money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else format_currency(amount, currency)
