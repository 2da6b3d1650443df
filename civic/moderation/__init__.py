"""Moderation in the open: reports, a queue, hide/restore with a public reason, blocks, and an
append-only log summarised on a public transparency page."""
