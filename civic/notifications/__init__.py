"""Notifications: in-app and by e-mail (immediately or as a daily digest), sent outside the request."""
