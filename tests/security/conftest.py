"""The security tests use the budgets area's factories (budgets, projects, verified voters)."""

from tests.budgets.conftest import make_budget, make_voter  # noqa: F401 - fixtures, registered by import
