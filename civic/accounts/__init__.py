"""Residents' and staff accounts: registration, sign-in, password reset, profile, roles."""
