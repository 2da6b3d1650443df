import sqlalchemy as sa

from civic.accounts.models import User
from civic.comments.models import Comment, CommentReport
from civic.demo import load_demo
from civic.moderation import services
from civic.moderation.models import ModerationAction


def _demo(app, db):
    with app.app_context():
        load_demo("demo-passphrase-9")
        db.session.commit()


def test_demo_has_a_hidden_comment_a_dismissed_report_and_an_open_queue(app, client, db):
    _demo(app, db)
    _demo(app, db)  # loading again adds nothing
    log = db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id)).all()
    assert [(a.action, a.target_kind, a.reason) for a in log] == [("hide", "comment", "personal_attack"),
                                                                  ("dismiss", "comment", "")]
    hidden = db.session.get(Comment, log[0].target_id)
    assert hidden.hidden_reason == "personal_attack" and hidden.parent_id is not None
    assert db.session.scalar(sa.select(sa.func.count(CommentReport.id))) >= 4
    moderator = db.session.scalars(sa.select(User).where(User.email == "moderator@example.org")).one()
    assert len(services.queue(moderator).reported) >= 1
    page = client.get("/transparency").get_data(as_text=True)
    assert "@example.org" not in page and "Yusuf" not in page
