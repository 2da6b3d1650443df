"""Proposals: residents propose, neighbours support and discuss."""
