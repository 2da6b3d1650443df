"""Comments: one reusable component for goals, proposals, projects and outcomes.

An area owns a `CommentThread` (a foreign key on its own row) and registers a `CommentPolicy` for
the thread's `kind`; the policy says who may post there and when, and whether a stance is asked.
"""
