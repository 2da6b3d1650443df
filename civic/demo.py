"""The demo city, so a newcomer always sees a living city. Later areas add to `load_demo`."""

from __future__ import annotations

import sqlalchemy as sa

from civic.accounts import passwords
from civic.accounts.models import Role, User
from civic.budgets.demo import load_budget_demo
from civic.city.models import City, District
from civic.core.db import utcnow
from civic.extensions import db
from civic.moderation.demo import load_moderation_demo
from civic.notifications.models import Notification
from civic.outcomes.demo import load_outcome_demo
from civic.plans.demo import load_plan_demo
from civic.proposals.demo import load_proposal_demo

CITY_NAMES = {"en": "Riverford", "ar": "ريفرفورد", "es": "Riverford", "fr": "Riverford",
              "ru": "Риверфорд", "zh": "里弗福德"}

DISTRICTS = [
    ("old-town", {"en": "Old Town", "ar": "البلدة القديمة", "es": "Casco Antiguo", "fr": "Vieille Ville",
                  "ru": "Старый город", "zh": "老城区"}),
    ("riverside", {"en": "Riverside", "ar": "ضفة النهر", "es": "La Ribera", "fr": "Les Berges",
                   "ru": "Набережная", "zh": "河滨区"}),
    ("north-hills", {"en": "North Hills", "ar": "التلال الشمالية", "es": "Colinas del Norte",
                     "fr": "Collines du Nord", "ru": "Северные холмы", "zh": "北山区"}),
    ("eastgate", {"en": "Eastgate", "ar": "البوابة الشرقية", "es": "Puerta Este", "fr": "Porte de l’Est",
                  "ru": "Восточные ворота", "zh": "东门区"}),
    ("harbour", {"en": "Harbour", "ar": "الميناء", "es": "El Puerto", "fr": "Le Port", "ru": "Гавань",
                 "zh": "港湾区"}),
]

ACCOUNTS = [
    (Role.RESIDENT, "resident@example.org", "Amina Haddad", "riverside"),
    (Role.MODERATOR, "moderator@example.org", "Luis Ortega", "old-town"),
    (Role.STAFF, "staff@example.org", "Mei Chen", "harbour"),
    (Role.ADMIN, "admin@example.org", "Olga Petrova", None),
]

# Neighbours who take part in the demo consultation: (key, e-mail, name, district, name shown publicly)
NEIGHBOURS = [
    ("yusuf", "yusuf@example.org", "Yusuf Demir", "old-town", True),
    ("marie", "marie@example.org", "Marie Laurent", "harbour", False),
    ("chen", "chen@example.org", "Chen Jing", "north-hills", True),
]


def load_demo(password: str) -> list[tuple[str, str]]:
    """Create (or refresh) the demo city; returns (role, e-mail) of each demo account."""
    now = utcnow()
    city = db.session.scalars(sa.select(City).limit(1)).first() or City()
    city.names, city.original_language = CITY_NAMES, "en"
    db.session.add(city)

    districts = {d.slug: d for d in db.session.scalars(sa.select(District))}
    for position, (slug, names) in enumerate(DISTRICTS):
        district = districts.get(slug) or District(slug=slug)
        district.names, district.original_language, district.position = names, "en", position
        districts[slug] = district
        db.session.add(district)

    password_hash = passwords.hash_password(password)
    people = {}
    accounts = [(role, email, name, district, role is not Role.RESIDENT) for role, email, name, district in ACCOUNTS]
    accounts += [(Role.RESIDENT, email, name, district, public) for _key, email, name, district, public in NEIGHBOURS]
    for role, email, name, district_slug, public in accounts:
        user = db.session.scalars(sa.select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, created_at=now)
            db.session.add(user)
        user.display_name, user.role = name, role.value
        user.password_hash = password_hash
        user.district = districts[district_slug] if district_slug else None
        user.show_name_publicly = public
        # Demo addresses cannot receive mail: they count as confirmed, so the demo can be used at once.
        user.email_confirmed_at = user.email_confirmed_at or now
        people[email.split("@")[0]] = user
    db.session.flush()
    people["amina"], people["mei"] = people["resident"], people["staff"]
    load_plan_demo(people, now)
    load_proposal_demo(people, now)
    load_budget_demo(people, now)
    load_outcome_demo(people, now)
    # Last: it reports on the demo's comments and proposals. It does nothing once the log has entries.
    load_moderation_demo(people, now)
    # The demo's history is not news: nobody is e-mailed about it when the demo loads.
    db.session.execute(sa.update(Notification).where(Notification.emailed_at.is_(None)).values(emailed_at=now))
    return [(role.value, email) for role, email, *_rest in accounts]
