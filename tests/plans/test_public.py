import csv
import io
import re
from datetime import date

import sqlalchemy as sa
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency, format_percent
from markupsafe import escape

from civic.comments.models import Comment
from civic.core.db import utcnow
from civic.plans import services
from civic.plans.models import GoalTarget


def test_plan_page_reads_in_order_for_screen_readers(client, db, make_plan):
    plan = make_plan(goals=2, actions=2)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert page.count("<h1>") == 1
    assert "baseline 31% (2023) → target 50% (2030)" in page
    assert '<caption id="workplan-1">Workplan of goal 1</caption>' in page
    assert '<th scope="col">Responsible</th>' in page and '<th scope="row">1.2</th>' in page
    assert 'role="region" aria-labelledby="workplan-1" tabindex="0"' in page
    assert "€25,000.00" in page


def test_dates_and_money_follow_the_readers_locale(client, db, make_plan):
    plan = make_plan(goals=1, actions=1)
    for language in ("fr", "ar", "zh"):
        page = client.get(f"/plans/{plan.id}/goals/1", headers={"Accept-Language": language}).get_data(as_text=True)
        assert escape(format_currency(25000, "EUR", locale=language)) in page, language
        assert escape(format_date(date(2026, 12, 31), locale=language)) in page, language
        assert escape(format_percent(0.31, locale=language)) in page, language


def test_score_card_is_an_ordered_list_with_text_status(client, db, make_plan, make_user):
    plan = make_plan(goals=1, actions=0)
    services.save_targets(make_user("staff"), plan.goals[0],
                          [("First", date(2026, 2, 1)), ("Second", None), ("", None), ("", None), ("", None),
                           ("Done", None)], language="en", now=utcnow())
    db.session.commit()
    page = client.get(f"/plans/{plan.id}/goals/1").get_data(as_text=True)
    card = page[page.index('<ol class="score-card">'):]
    card = card[:card.index("</ol>")]
    assert card.count("<li") == 3
    assert "Target 1:" in card and "Reached on Feb 1, 2026" in card
    assert "Not reached yet" in card and "Complete:" in card
    assert db.session.scalar(sa.select(sa.func.count(GoalTarget.id))) == 3


def test_missing_plan_or_goal_is_404(client, db, make_plan):
    plan = make_plan(goals=1, actions=0)
    assert client.get("/plans/9999").status_code == 404
    assert client.get(f"/plans/{plan.id}/goals/7").status_code == 404


def test_workplan_csv(client, db, make_plan):
    plan = make_plan(goals=2, actions=3)
    response = client.get(f"/plans/{plan.id}/workplan.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv" and len(rows) == 6
    assert rows[0]["action"] == "1.1" and rows[0]["estimated_cost"] == "25000.00" and rows[0]["check_ins"] == "2026-06-30"
    assert "@" not in response.get_data(as_text=True)


def test_page_queries_do_not_grow_with_goals_actions_or_comments(client, db, make_plan, make_user, count_queries):
    def queries_for(url):
        client.get(url)
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    small = make_plan(goals=1, actions=1, consultation="open")
    large = make_plan(goals=6, actions=5, consultation="open")
    resident = make_user()
    for goal in large.goals:
        thread = goal.revisions[0].thread
        for n in range(4):
            db.session.add(Comment(thread=thread, author=resident, body="<p>x</p>", stance="for", created_at=utcnow()))
    db.session.commit()
    assert queries_for(f"/plans/{small.id}") == queries_for(f"/plans/{large.id}")
    assert queries_for(f"/plans/{small.id}/goals/1") == queries_for(f"/plans/{large.id}/goals/1")


def test_print_stylesheet_is_linked(client, db, make_plan):
    plan = make_plan(goals=1, actions=0)
    assert re.search(r'href="/static/css/print.css" media="print"', client.get(f"/plans/{plan.id}").get_data(as_text=True))


def test_consultation_status_in_words(client, db, make_plan):
    open_plan = make_plan(goals=1, actions=0, consultation="open")
    assert "Comments are open until" in client.get(f"/plans/{open_plan.id}").get_data(as_text=True)
    closed = make_plan(goals=1, actions=0, consultation="closed")
    assert "The consultation closed on" in client.get(f"/plans/{closed.id}").get_data(as_text=True)


def test_revision_history_shows_note_and_changes_without_colour(client, db, make_plan, make_user):
    plan = make_plan(goals=1, actions=0, consultation="closed")
    services.revise_goal(make_user("staff"), plan.goals[0], statement="Goal statement one, near schools",
                         note="Residents asked for schools first.", language="en", now=utcnow())
    db.session.commit()
    page = client.get(f"/plans/{plan.id}/goals/1").get_data(as_text=True)
    assert "Residents asked for schools first." in page
    assert "What changed from version 1" in page
    assert re.search(r"<del><span class=\"visually-hidden\">\[removed: </span>1<span", page)
    assert re.search(r"<ins><span class=\"visually-hidden\">\[added: </span>one, near schools<span", page)
    assert page.index("Version 2, published") < page.index("Version 1, published")


def test_plan_list(client, db, make_plan):
    make_plan(goals=1, actions=0, consultation="open")
    page = client.get("/plans/").get_data(as_text=True)
    assert "Riverford Action Plan" in page and "Comments are open until" in page
    assert "Write a new plan" not in page


def test_check_in_dates_are_joined_the_readers_way(client, db, make_plan, make_user):
    plan = make_plan(goals=1, actions=0)
    services.save_action(make_user("staff"), plan.goals[0], None, __import__("tests.plans.conftest", fromlist=["x"])
                         .action_data("1.1", check_ins=[date(2026, 3, 31), date(2026, 9, 30)]), language="en", now=utcnow())
    db.session.commit()
    for language in ("en", "zh", "ar"):
        page = client.get(f"/plans/{plan.id}/goals/1", headers={"Accept-Language": language}).get_data(as_text=True)
        days = [format_date(d, locale=language) for d in (date(2026, 3, 31), date(2026, 9, 30))]
        assert escape(format_list(days, locale=language)) in page, language
