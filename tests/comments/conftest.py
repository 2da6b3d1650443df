from __future__ import annotations

import pytest
from flask import render_template_string
from flask_login import login_user

from civic.comments import services
from civic.comments.policy import ThreadRules, register_policy
from civic.core.db import utcnow

EMBED = '{% with view=thread_view, heading_level=3 %}{% include "comments/_thread.html" %}{% endwith %}'


@pytest.fixture(autouse=True, scope="session")
def _test_policies():
    register_policy("test-open", lambda thread, now: ThreadRules(open=True, stance=True, return_url="/"))
    register_policy("test-plain", lambda thread, now: ThreadRules(open=True, stance=False, return_url="/"))
    register_policy("test-premod", lambda thread, now: ThreadRules(open=True, stance=False, return_url="/",
                                                                   premoderated=True))
    register_policy("test-closed", lambda thread, now: ThreadRules(
        open=False, closed_message="The consultation closed on 1 March.", stance=True, return_url="/"))


@pytest.fixture
def make_thread(db):
    def make(kind: str = "test-open"):
        thread = services.create_thread(kind)
        db.session.commit()
        return thread

    return make


@pytest.fixture
def render_thread(app, db):
    """The thread as a host page embeds it, seen by `viewer` (None: signed out)."""

    def render(thread, viewer=None, now=None):
        with app.test_request_context("/"):
            if viewer is not None:
                login_user(viewer)
            view = services.thread_view(thread, viewer, now or utcnow())
            return render_template_string(EMBED, thread_view=view)

    return render
