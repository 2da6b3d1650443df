"""Outcomes: what the city delivers, tracked in public and linked back to plans, projects and proposals."""
