"""The city itself: its name and districts."""
