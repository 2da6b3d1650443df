"""Riverford's participatory budget call for ideas, for the demo city: proposals in several
languages and districts, supports, threaded comments, a rejection with its reason and a phone proposal."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from civic.city.models import District
from civic.comments.models import Comment, CommentThread
from civic.core.sanitize import clean_rich_text
from civic.extensions import db
from civic.follows.models import Follow
from civic.plans.models import Goal, Plan
from civic.processes.models import Process, ProcessPhase
from civic.proposals.models import PROPOSAL_THREAD_KIND, Proposal, Support

PROCESS = {
    "titles": {"en": "Riverford Participatory Budget 2027 — your ideas",
               "es": "Presupuesto Participativo de Riverford 2027: tus ideas"},
    "descriptions": {"en": "Propose projects for your neighbourhood or the whole city. City staff check what each "
                           "idea would cost, then every resident aged 16 or over can vote.",
                     "es": "Propón proyectos para tu barrio o para toda la ciudad. El personal municipal estima el "
                           "coste de cada idea y después todos los residentes de 16 años o más pueden votar."},
    "decides": {"en": "Which projects the city builds with €2.5 million of its 2027 budget.",
                "es": "Qué proyectos construye la ciudad con 2,5 millones de euros de su presupuesto de 2027."},
    "impacts": {"en": "The projects with the most votes that fit the budget are built in 2027 and 2028, and you "
                      "can follow their progress on this site.",
                "es": "Los proyectos más votados que caben en el presupuesto se construyen en 2027 y 2028, y "
                      "puedes seguir su avance en este sitio."},
}

# (days before now, starts offset, ends offset) of each phase, relative to today
PHASES = [("information", -40, -21), ("proposals", -20, 25), ("deliberation", 26, 40), ("voting", 41, 55),
          ("implementation", 56, 600)]

# key, author, language, district, category, show name, title, body, days ago, supporters, status, reason
PROPOSALS = [
    ("shade", "amina", "ar", "riverside", "dimension:environment", False, "أشجار ظل في شارع السوق",
     "في الصيف يصبح شارع السوق حارًا جدًا ولا يوجد أي ظل للمارة وكبار السن.\n\n"
     "أقترح زراعة عشرين شجرة ظل على طول الشارع مع مقاعد بينها.", 18, ["yusuf", "marie", "chen"], "published", ""),
    ("lane", "yusuf", "en", "old-town", "goal:2", True, "Protected bike lane on School Street",
     "Children cycle to three schools along School Street, next to four lanes of traffic.\n\n"
     "A lane separated by kerbs from the school to the river bridge would make the trip safe.", 15,
     ["amina", "chen"], "published", ""),
    ("benches", "moderator", "es", "old-town", "goal:3", True, "Bancos y sombra en la Plaza Mayor",
     "La Plaza Mayor no tiene bancos a la sombra. Propongo pérgolas con plantas trepadoras y diez bancos.", 12,
     ["amina"], "under_review", ""),
    ("fountain", "marie", "fr", "harbour", "dimension:society", False, "Une fontaine d’eau potable au marché du Port",
     "Les commerçants et les clients du marché n’ont aucun point d’eau. Une fontaine publique aiderait tout le "
     "monde, surtout l’été.", 10, ["yusuf"], "published", ""),
    ("wifi", "chen", "en", "north-hills", "dimension:economy", True, "Free Wi-Fi in the North Hills library",
     "Students need a place with a good connection to study.", 9, [], "rejected",
     "The North Hills library has had free Wi-Fi since March 2025. The city will put up signs so that "
     "everyone knows about it."),
]

PHONE = ("harbour", "dimension:society", "Better lighting on the Harbour footbridge",
         "The footbridge from the Harbour to the station is dark after 6 pm in winter and people feel unsafe. "
         "Please add lights along the whole bridge.", 6, "phone")

COMMENTS = {  # key -> [(author, text, [(reply author, text)])]
    "shade": [("yusuf", "Yes! Market Street is unbearable in July.",
               [("amina", "Thank you. Lime trees would also smell lovely.")])],
    "lane": [("marie", "Where would the delivery vans for the shops stop?",
              [("yusuf", "There is space for a loading bay at the corner of Mill Lane.")]),
             ("chen", "My children would cycle to school if this existed.", [])],
}


def _category(value: str, goals: dict[int, Goal]) -> dict:
    kind, _sep, code = value.partition(":")
    if kind == "goal":
        goal = goals.get(int(code))
        return {"goal_id": goal.id} if goal else {"dimension": "environment"}
    return {"dimension": code}


def _comment(thread: CommentThread, author, text: str, when, parent=None) -> Comment:
    comment = Comment(thread=thread, author=author, parent=parent, body=clean_rich_text(f"<p>{text}</p>"),
                      created_at=when, show_name=author.show_name_publicly)
    db.session.add(comment)
    return comment


def _body(text: str) -> str:
    from civic.comments.services import body_to_html

    return body_to_html(text)


def load_proposal_demo(people: dict, now) -> None:
    if db.session.scalar(sa.select(sa.func.count(Process.id))):
        return
    today = now.date()
    plan = db.session.scalars(sa.select(Plan).order_by(Plan.id).limit(1)).first()
    goals = {goal.number: goal for goal in plan.goals} if plan else {}
    districts = {d.slug: d for d in db.session.scalars(sa.select(District))}
    process = Process(original_language="en", district_id=None, channel_online=True, channel_phone=True,
                      channel_in_person=True, premoderation=False, created_at=now - timedelta(days=45), **PROCESS)
    process.phases = [ProcessPhase(kind=kind, starts_on=today + timedelta(days=start), ends_on=today + timedelta(days=end))
                      for kind, start, end in PHASES]
    process.goals = [goals[number] for number in (2, 3) if number in goals]
    db.session.add(process)

    made = {}
    for (key, author, language, district, category, show_name, title, body, days, supporters, status,
         reason) in PROPOSALS:
        created = now - timedelta(days=days)
        proposal = Proposal(process=process, author=people[author], title=title, body=_body(body), language=language,
                            district=districts.get(district), show_name=show_name, status=status,
                            status_reason=reason, channel="online", created_at=created, updated_at=created,
                            support_count=len(supporters),
                            thread=CommentThread(kind=PROPOSAL_THREAD_KIND, created_at=created),
                            **_category(category, goals))
        db.session.add(proposal)
        made[key] = proposal
    district, category, title, body, days, channel = PHONE
    created = now - timedelta(days=days)
    staff = people["staff"]
    db.session.add(Proposal(process=process, author=staff, recorded_by=staff, channel=channel, show_name=False,
                            title=title, body=_body(body), language="en", district=districts.get(district),
                            created_at=created, updated_at=created, support_count=0,
                            thread=CommentThread(kind=PROPOSAL_THREAD_KIND, created_at=created),
                            **_category(category, goals)))
    db.session.flush()

    for key, author, *_ignored, supporters, _status, _reason in PROPOSALS:
        proposal = made[key]
        for offset, supporter in enumerate(supporters):
            db.session.add(Support(proposal_id=proposal.id, user_id=people[supporter].id,
                                   created_at=proposal.created_at + timedelta(hours=offset + 1)))
        db.session.add(Follow(user_id=people[author].id, kind="proposal", object_id=proposal.id,
                              created_at=proposal.created_at))
    for key, comments in COMMENTS.items():
        proposal = made[key]
        for position, (author, text, replies) in enumerate(comments):
            when = proposal.created_at + timedelta(days=1 + position)
            comment = _comment(proposal.thread, people[author], text, when)
            for hours, (reply_author, reply) in enumerate(replies, start=1):
                _comment(proposal.thread, people[reply_author], reply, when + timedelta(hours=hours * 3), comment)
    db.session.flush()
