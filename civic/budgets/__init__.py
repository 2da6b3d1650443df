"""Participatory budgets: projects, eligibility, secret ballots, counting and results."""
