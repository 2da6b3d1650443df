"""Moderation in the demo city: open reports in the queue, a hidden comment and a dismissed report.

Runs after the plan and proposal demos; does nothing once the moderation log has any entry."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from civic.comments.models import Comment, CommentReport
from civic.core.sanitize import clean_rich_text
from civic.extensions import db
from civic.moderation import services
from civic.moderation.models import ModerationAction
from civic.proposals.models import Proposal, ProposalReport

ATTACK = "Anyone who believes the city’s surveys is a fool. Stop wasting our time, Yusuf."


def _comment_starting(text: str) -> Comment | None:
    return db.session.scalars(sa.select(Comment).where(Comment.body.like(f"<p>{text}%")).limit(1)).first()


def load_moderation_demo(people: dict, now) -> None:
    if db.session.scalar(sa.select(sa.func.count(ModerationAction.id))):
        return
    moderator = people["moderator"]
    survey = _comment_starting("Most market customers arrive on foot")
    if survey is not None:
        # A personal attack, reported twice and hidden with its public reason (the log records it).
        attack = Comment(thread_id=survey.thread_id, parent_id=survey.parent_id, author=people["chen"],
                         show_name=people["chen"].show_name_publicly, body=clean_rich_text(f"<p>{ATTACK}</p>"), created_at=survey.created_at + timedelta(hours=2))
        db.session.add(attack)
        db.session.flush()
        for reporter, details in (("yusuf", "This is aimed at me personally."), ("marie", "")):
            db.session.add(CommentReport(comment_id=attack.id, reporter_id=people[reporter].id,
                                         reason="personal_attack", details=details,
                                         created_at=attack.created_at + timedelta(hours=3)))
        db.session.flush()
        services.hide(moderator, "comment", attack.id, "personal_attack",
                      "Name-calling aimed at another resident.", now - timedelta(days=40))

    parking = _comment_starting("Removing parking in the Harbour")
    if parking is not None:
        # Disagreement is not a reason to hide: the report is dismissed.
        db.session.add(CommentReport(comment_id=parking.id, reporter_id=people["yusuf"].id, reason="off_topic",
                                     details="This is wrong, traders are not the point.",
                                     created_at=parking.created_at + timedelta(days=1)))
        db.session.flush()
        services.dismiss(moderator, "comment", parking.id, "A different opinion, not off topic.",
                         now - timedelta(days=39))

    ambition = _comment_starting("40% is not ambitious enough")
    if ambition is not None:
        # Open: waiting in the moderation queue.
        db.session.add(CommentReport(comment_id=ambition.id, reporter_id=people["marie"].id, reason="off_topic",
                                     details="It talks about other cities, not ours.", created_at=now - timedelta(days=2)))

    proposal = db.session.scalars(sa.select(Proposal).order_by(Proposal.id).limit(1)).first()
    if proposal is not None:
        reporter = next(people[key] for key in ("chen", "yusuf") if people[key].id != proposal.author_id)
        db.session.add(ProposalReport(proposal_id=proposal.id, reporter_id=reporter.id, reason="spam",
                                      details="The same text was posted twice.", created_at=now - timedelta(days=1)))
    db.session.flush()
