"""Processes and plan goals can be followed from their pages, without JavaScript."""

from __future__ import annotations

import sqlalchemy as sa

from civic.follows.models import Follow


def test_follow_a_goal_and_a_process(client, db, login_as, make_plan):
    from civic.processes.models import Process

    plan = make_plan(goals=1, actions=0)
    goal = plan.goals[0]
    process = Process(titles={"en": "P"}, decides={"en": "x"}, impacts={"en": "y"}, original_language="en")
    db.session.add(process)
    db.session.commit()
    goal_url = f"/plans/{plan.id}/goals/{goal.number}"
    anonymous = client.submit(f"/follow/goal/{goal.id}", {"wanted": "1", "next": goal_url})
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.headers["Location"]
    user = login_as()
    response = client.submit(f"/follow/goal/{goal.id}", {"wanted": "1", "next": goal_url})
    assert response.status_code == 303 and response.headers["Location"].endswith(goal_url)
    assert "Stop following this goal" in client.get(goal_url).get_data(as_text=True)
    client.submit(f"/follow/process/{process.id}", {"wanted": "1", "next": "https://evil.example/"})
    kinds = set(db.session.scalars(sa.select(Follow.kind).where(Follow.user_id == user.id)))
    assert kinds == {"goal", "process"}
    assert client.submit(f"/follow/proposal/{goal.id}", {"wanted": "1"}).status_code == 404
    assert "Stop following this process" in client.get(f"/processes/{process.id}").get_data(as_text=True)
