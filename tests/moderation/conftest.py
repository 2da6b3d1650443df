from __future__ import annotations

from datetime import timedelta

import pytest

from civic.comments.models import Comment, CommentReport, CommentThread
from civic.comments.policy import ThreadRules, register_policy
from civic.core.db import utcnow
from civic.processes.models import Process
from civic.proposals.models import Proposal, ProposalReport

THREAD_KIND = "moderation-test"
THREAD_PAGE = "/somewhere/discussed"


@pytest.fixture(autouse=True, scope="session")
def _test_policy():
    register_policy(THREAD_KIND, lambda thread, now: ThreadRules(open=True, return_url=THREAD_PAGE))


@pytest.fixture
def make_comment(db, make_user):
    def make(author=None, body="<p>A comment</p>", thread=None, **fields) -> Comment:
        thread = thread or CommentThread(kind=THREAD_KIND)
        comment = Comment(thread=thread, author=author or make_user(), body=body, created_at=utcnow(), **fields)
        db.session.add(comment)
        db.session.commit()
        return comment

    return make


@pytest.fixture
def make_proposal(db, make_user):
    """A proposal row made directly, so these tests do not depend on the proposals area's services."""

    def make(author=None, title="Shade trees on Market Street", body="<p>Plant twenty trees.</p>", **fields):
        process = Process(titles={"en": "Ideas for 2026"}, original_language="en")
        proposal = Proposal(process=process, author=author or make_user(), title=title, body=body, language="en",
                            thread=CommentThread(kind="proposal"), created_at=utcnow(), updated_at=utcnow(),
                            **fields)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make


@pytest.fixture
def report(db, make_user):
    """File an open report directly: report(item, reason, ago=timedelta, details=...)."""

    def make(item, reason="spam", ago=timedelta(0), details="", reporter=None):
        fields = {"reporter_id": (reporter or make_user()).id, "reason": reason, "details": details,
                  "created_at": utcnow() - ago}
        row = (ProposalReport(proposal_id=item.id, **fields) if isinstance(item, Proposal)
               else CommentReport(comment_id=item.id, **fields))
        db.session.add(row)
        db.session.commit()
        return row

    return make
