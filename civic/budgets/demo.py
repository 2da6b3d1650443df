"""Participatory budgets for the demo city: five votes open now (one of each ballot kind), last
year's cumulative vote with published results, and an eligibility list.

Demo document numbers RF-0001 to RF-0040 are on the list (see README); Yusuf is verified and
has voted, the resident account (Amina) is not verified yet, so the verification journey can be tried.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from civic.budgets import eligibility, results, voting
from civic.budgets.models import Budget, EligibleDocument, Project, Voter
from civic.city.models import District
from civic.comments.models import CommentThread
from civic.extensions import db
from civic.processes.models import Process, ProcessPhase
from civic.proposals.models import PROPOSAL_THREAD_KIND, Proposal

DISTRICT_OF_DOCUMENT = ["old-town", "riverside", "north-hills", "eastgate", "harbour"]


def demo_document(number: int) -> str:
    return f"RF-{number:04d}"


def _texts(en: str, es: str | None = None) -> dict[str, str]:
    return {"en": en, **({"es": es} if es else {})}


def _desc(en: str, es: str | None = None) -> dict[str, str]:
    return {"en": f"<p>{en}</p>", **({"es": f"<p>{es}</p>"} if es else {})}


OPEN_BUDGETS = [
    {"key": "city", "title": _texts("City-wide projects 2026", "Proyectos para toda la ciudad 2026"),
     "amount": 1_200_000, "district": None, "ballot_kind": "knapsack", "counting_rule": "greedy",
     "description": _desc("Choose the projects for the whole city that you want, as long as together they fit "
                          "in €1.2 million.",
                          "Elige los proyectos para toda la ciudad que quieras, siempre que juntos quepan en "
                          "1,2 millones de euros."),
     "projects": [
         ("Protected bike lane on School Street", "Carril bici protegido en la calle de la Escuela", 480_000,
          "A kerb-separated lane from the three schools to the river bridge.", "proposal:lane"),
         ("Shade trees on Market Street", "Árboles de sombra en la calle del Mercado", 150_000,
          "Twenty lime trees with benches between them.", "proposal:shade"),
         ("Lighting on the Harbour footbridge", "Iluminación en la pasarela del Puerto", 90_000,
          "LED lights along the whole footbridge, dimmed after midnight.", None),
         ("Riverside playground renewal", "Renovación del parque infantil de la Ribera", 350_000,
          "New equipment for all ages, including accessible swings.", None),
         ("Public toilets in the city centre", "Aseos públicos en el centro", 260_000,
          "Two accessible public toilets, open from 6 am to midnight.", None),
         ("Free Wi-Fi in five squares", "Wi-Fi gratuito en cinco plazas", 120_000,
          "Public Wi-Fi in the five busiest squares.", None),
     ]},
    {"key": "old-town", "title": _texts("Old Town district budget 2026", "Presupuesto del Casco Antiguo 2026"),
     "amount": 300_000, "district": "old-town", "ballot_kind": "approval", "max_projects": 3,
     "counting_rule": "equalshares/add1",
     "description": _desc("For residents of Old Town: choose up to three projects."),
     "projects": [
         ("Benches and pergolas on the Plaza Mayor", None, 110_000, "Ten benches in the shade of climbing plants.",
          "proposal:benches"),
         ("Drinking fountain at the Old Market", None, 25_000, "A public fountain for traders and shoppers.", None),
         ("Repair the steps to the castle", None, 140_000, "New stone steps with handrails on both sides.", None),
         ("Bicycle racks at the library", None, 15_000, "Thirty covered places.", None),
         ("Street-art wall on Mill Lane", None, 40_000, "A wall painted by local artists and school children.",
          None),
     ]},
    {"key": "harbour", "title": _texts("Harbour district budget 2026"), "amount": 250_000, "district": "harbour",
     "ballot_kind": "ranked", "max_ranks": 3, "counting_rule": "greedy",
     "description": _desc("For residents of the Harbour: put up to three projects in order of preference."),
     "projects": [
         ("Fish market roof repair", None, 120_000, "A new roof so the market can open in the rain.", None),
         ("Harbour walk benches", None, 30_000, "Fifteen benches facing the water.", None),
         ("Kayak storage for the youth club", None, 45_000, "Secure racks for forty kayaks.", None),
         ("Trees along Quay Street", None, 80_000, "Twelve trees in large planters.", None),
     ]},
    {"key": "eastgate", "title": _texts("Eastgate district budget 2026"), "amount": 200_000, "district": "eastgate",
     "ballot_kind": "cumulative", "max_points_total": 10, "max_points_per_project": 4, "counting_rule": "greedy",
     "description": _desc("For residents of Eastgate: spread 10 points, at most 4 for one project."),
     "projects": [
         ("Safer crossing at Eastgate school", None, 60_000, "Raised crossing and a lollipop-light.", None),
         ("Community fridge at the market", None, 15_000, "A shared fridge to stop food waste.", None),
         ("Outdoor table tennis in Eastgate park", None, 20_000, "Three all-weather tables.", None),
         ("Rain garden on Station Road", None, 90_000, "Plants that soak up storm water.", None),
     ]},
    {"key": "youth", "title": _texts("Youth choice 2026", "Elección joven 2026"), "amount": 100_000,
     "district": None, "ballot_kind": "choose_one", "counting_rule": "greedy-no-skip",
     "description": _desc("One project chosen by the city's young people; everyone verified can vote."),
     "projects": [
         ("Skate park in North Hills", "Skatepark en Colinas del Norte", 95_000, "A concrete skate park.", None),
         ("Music studio at the youth centre", "Estudio de música en el centro juvenil", 60_000,
          "A sound-proofed room with instruments.", None),
         ("Outdoor gym in Eastgate park", "Gimnasio al aire libre en Puerta Este", 40_000,
          "Ten exercise machines for all ages.", None),
     ]},
]

PAST_PROJECTS = [
    ("New trees in Eastgate park", 180_000), ("Bus shelter benches", 90_000), ("Library opening on Sundays", 150_000),
    ("Community garden in Riverside", 70_000), ("Pedestrian crossing at Mill Lane", 120_000),
    ("Solar lights in North Hills", 260_000), ("Repair the Harbour slipway", 210_000),
]


def _voting_process(now, titles, phases) -> Process:
    today = now.date()
    process = Process(original_language="en", titles=titles["titles"], descriptions=titles["descriptions"],
                      decides=titles["decides"], impacts=titles["impacts"], channel_online=True, channel_phone=True,
                      channel_in_person=True, created_at=now - timedelta(days=120))
    process.phases = [ProcessPhase(kind=kind, starts_on=today + timedelta(days=start),
                                   ends_on=today + timedelta(days=end)) for kind, start, end in phases]
    db.session.add(process)
    return process


def _budget(process, spec: dict, districts, opens, closes, now) -> Budget:
    budget = Budget(process=process, titles=spec["title"], descriptions=spec.get("description", {}),
                    original_language="en", amount=spec["amount"], currency="EUR",
                    district=districts.get(spec["district"]) if spec["district"] else None,
                    opens_at=opens, closes_at=closes, ballot_kind=spec["ballot_kind"],
                    counting_rule=spec["counting_rule"], max_projects=spec.get("max_projects"),
                    max_ranks=spec.get("max_ranks"), max_points_total=spec.get("max_points_total"),
                    max_points_per_project=spec.get("max_points_per_project"), created_at=now - timedelta(days=30))
    db.session.add(budget)
    return budget


def load_budget_demo(people: dict, now) -> None:
    if db.session.scalar(sa.select(sa.func.count(Budget.id))):
        return
    districts = {d.slug: d for d in db.session.scalars(sa.select(District))}
    staff = people["staff"]
    # The eligibility list: RF-0001 .. RF-0040, districts in turn.
    for number in range(1, 41):
        district = districts[DISTRICT_OF_DOCUMENT[(number - 1) % len(DISTRICT_OF_DOCUMENT)]]
        db.session.add(EligibleDocument(document_hash=eligibility.document_hash(demo_document(number)),
                                        district_id=district.id, imported_at=now - timedelta(days=20)))
    db.session.flush()

    process = _voting_process(now, {
        "titles": _texts("Riverford Participatory Budget 2026 — the vote", "Presupuesto Participativo 2026: la votación"),
        "descriptions": _texts("Residents proposed projects in spring; city staff checked their cost. Now you vote."),
        "decides": _texts("Which projects the city builds with €1.85 million in 2026 and 2027."),
        "impacts": _texts("The winning projects are built within two years; you can follow their progress here."),
    }, [("proposals", -150, -90), ("deliberation", -89, -6), ("voting", -5, 12), ("implementation", 13, 700)])
    opens, closes = now - timedelta(days=5), now + timedelta(days=12)
    accepted = _accepted_proposals(process, people, districts, now)
    budgets = {}
    for spec in OPEN_BUDGETS:
        budget = _budget(process, spec, districts, opens, closes, now)
        budgets[spec["key"]] = budget
        for position, (title, title_es, cost, text, source) in enumerate(spec["projects"], start=1):
            project = Project(budget=budget, titles=_texts(title, title_es), descriptions=_desc(text),
                              feasibility=_texts("Checked by the city's technical services: feasible within a year."),
                              original_language="en", cost=cost, position=position, created_at=now - timedelta(days=8))
            if source:
                project.proposals = [accepted[source.split(":")[1]]]
            db.session.add(project)
    db.session.flush()

    # Yusuf verified online and voted in the city-wide budget.
    yusuf = Voter(document_hash=eligibility.document_hash(demo_document(1)), user_id=people["yusuf"].id,
                  district_id=districts["old-town"].id, method="list", verified_at=now - timedelta(days=4))
    db.session.add(yusuf)
    db.session.flush()
    city = budgets["city"]
    voting.cast_ballot(yusuf.id, city.id, {city.projects[0].id: 1, city.projects[1].id: 1}, now - timedelta(days=3),
                       commit=False)

    _past_vote(people, districts, staff, now)


def _accepted_proposals(process, people, districts, now) -> dict[str, Proposal]:
    """The proposals the projects came from, accepted after the city's review."""
    made = {}
    for key, author, district, title, body in (
            ("lane", "yusuf", "old-town", "Protected bike lane on School Street",
             "Children cycle to three schools next to four lanes of traffic."),
            ("shade", "amina", "riverside", "Shade trees on Market Street",
             "In summer Market Street is very hot and there is no shade for older people."),
            ("benches", "chen", "old-town", "Benches and shade on the Plaza Mayor",
             "The Plaza Mayor has no benches in the shade.")):
        created = now - timedelta(days=140)
        proposal = Proposal(process=process, author=people[author], title=title, body=f"<p>{body}</p>",
                            language="en", district=districts[district], show_name=people[author].show_name_publicly,
                            status="accepted", status_reason="Feasible; costed by the city's technical services.",
                            channel="online", created_at=created, updated_at=created,
                            thread=CommentThread(kind=PROPOSAL_THREAD_KIND, created_at=created))
        db.session.add(proposal)
        made[key] = proposal
    db.session.flush()
    return made


# Last year's projects residents proposed: project title -> (author, district, proposal text)
PAST_PROPOSALS = {
    "Library opening on Sundays": ("yusuf", "old-town", "Students and families have nowhere quiet to go on "
                                                        "Sundays. Please open the library."),
    "Community garden in Riverside": ("amina", "riverside", "The empty plot behind the school could feed "
                                                            "twenty families."),
    "Bus shelter benches": ("marie", "harbour", "Older people wait standing at the bus stops on Harbour Road."),
}


def _past_proposals(process, people, districts, now) -> dict[str, Proposal]:
    made = {}
    for title, (author, district, body) in PAST_PROPOSALS.items():
        created = now - timedelta(days=380)
        proposal = Proposal(process=process, author=people[author], title=title, body=f"<p>{body}</p>",
                            language="en", district=districts[district],
                            show_name=people[author].show_name_publicly, status="accepted",
                            status_reason="Feasible; on the 2025 ballot.", channel="online", created_at=created,
                            updated_at=created, thread=CommentThread(kind=PROPOSAL_THREAD_KIND, created_at=created))
        db.session.add(proposal)
        made[title] = proposal
    db.session.flush()
    return made


def _past_vote(people, districts, staff, now) -> None:
    """Last year's vote: 64 synthetic voters, closed and published, so results can be read."""
    process = _voting_process(now, {
        "titles": _texts("Riverford Participatory Budget 2025", "Presupuesto Participativo de Riverford 2025"),
        "descriptions": _texts("Last year's vote. The winning projects are being built."),
        "decides": _texts("Which projects the city built with €800,000 in 2025."),
        "impacts": _texts("The winning projects are built in 2025 and 2026."),
    }, [("proposals", -400, -330), ("voting", -300, -286), ("implementation", -285, 300)])
    opens, closes = now - timedelta(days=300), now - timedelta(days=286)
    spec = {"title": _texts("Riverford 2025 budget", "Presupuesto de Riverford 2025"), "amount": 800_000,
            "district": None, "ballot_kind": "cumulative", "max_points_total": 10, "max_points_per_project": 5,
            "counting_rule": "greedy",
            "description": _desc("Every voter had 10 points to spread, at most 5 for one project.")}
    budget = _budget(process, spec, districts, opens, closes, now - timedelta(days=300))
    proposed = _past_proposals(process, people, districts, now)
    for position, (title, cost) in enumerate(PAST_PROJECTS, start=1):
        project = Project(budget=budget, titles=_texts(title), descriptions=_desc(title + "."),
                          original_language="en", cost=cost, position=position, created_at=now - timedelta(days=310))
        if title in proposed:
            project.proposals = [proposed[title]]
        db.session.add(project)
    db.session.flush()
    rng = random.Random(2025)
    ages, genders = ["16-24", "25-34", "35-49", "50-64", "65+", None], ["woman", "man", None]
    weights = [5, 3, 4, 2, 3, 1, 2]
    for number in range(1, 65):
        digest = eligibility.document_hash(f"RF-9{number:03d}")
        district_id = districts[DISTRICT_OF_DOCUMENT[number % 5]].id
        # Last year's list: a document verified in person by one staff member must be on it.
        db.session.add(EligibleDocument(document_hash=digest, district_id=district_id, imported_at=opens))
        voter = Voter(document_hash=digest, district_id=district_id, method="in_person",
                      verified_by_id=staff.id, verified_at=opens)
        db.session.add(voter)
        db.session.flush()
        points, left = {}, 10
        while left:
            project = rng.choices(budget.projects, weights=weights)[0]
            give = min(rng.randint(1, 3), left, 5 - points.get(project.id, 0))
            if give <= 0:
                if all(points.get(p.id, 0) >= 5 for p in budget.projects):
                    break
                continue
            points[project.id] = points.get(project.id, 0) + give
            left -= give
        how = voting.Cast(age_band=rng.choice(ages), gender=rng.choice(genders),
                          channel="online" if number % 4 else "paper", entered_by=None if number % 4 else staff)
        voting.cast_ballot(voter.id, budget.id, points, opens + timedelta(hours=number * 5), how, commit=False)
    db.session.refresh(budget)
    results.close_voting(staff, budget, closes + timedelta(hours=1))
    results.publish(staff, budget, closes + timedelta(days=1))
