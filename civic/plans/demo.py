"""Riverford's Smart Sustainable City Action Plan, for the demo city (English and Spanish)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from civic.comments.models import Comment, CommentThread
from civic.core.sanitize import clean_rich_text
from civic.extensions import db
from civic.plans.models import COMPLETE_POSITION, GOAL_THREAD_KIND, Action, ActionCheckIn, Goal, GoalRevision, GoalTarget, Plan

PLAN = {
    "titles": {"en": "Riverford Smart Sustainable City Action Plan 2025–2030",
               "es": "Plan de Acción Ciudad Inteligente y Sostenible de Riverford 2025–2030"},
    "visions": {"en": "By 2030 Riverford is a city where every resident can walk or cycle safely to a park, "
                      "a school and a fast internet connection, where the river is clean, and where decisions "
                      "and data are open to all.",
                "es": "En 2030 Riverford es una ciudad donde cada residente puede ir a pie o en bicicleta, con "
                      "seguridad, a un parque, a una escuela y a una conexión rápida a internet, donde el río "
                      "está limpio y donde las decisiones y los datos están abiertos a todos."},
    "principles": {"en": "Ambitious\nInclusive and fair\nEvidence based\nTransparent and verifiable\nActionable",
                   "es": "Ambicioso\nInclusivo y justo\nBasado en datos\nTransparente y verificable\nRealizable"},
}

# number, dimension, (statement en, es), (kpi en, es), unit, baseline, year, target, target date, reference,
# timeframe, priority, champion, (outcome en, es)
GOALS = [
    (1, "environment", ("Cut the city’s greenhouse gas emissions by 40% compared with 2019.",
                        "Reducir un 40 % las emisiones de gases de efecto invernadero de la ciudad respecto a 2019."),
     ("Greenhouse gas emissions per resident", "Emisiones de gases de efecto invernadero por habitante"),
     "t CO₂e", "6.8", 2019, "4.1", date(2030, 12, 31), "ISO 37120", "long", 1, "Climate Office",
     ("Cleaner air and lower energy bills.", "Aire más limpio y facturas de energía más bajas.")),
    (2, "environment", ("Make cycling safe and easy: raise the share of trips made by bicycle.",
                        "Hacer que ir en bicicleta sea seguro y fácil: aumentar la proporción de viajes en bicicleta."),
     ("Share of trips made by bicycle", "Proporción de viajes en bicicleta"),
     "%", "9", 2023, "20", date(2030, 6, 30), "ITU-T Y.4903", "medium", 1, "Mobility Department",
     ("Children cycle to school safely.", "Los niños van en bicicleta a la escuela con seguridad.")),
    (3, "society", ("Give every household a public green space within a 10-minute walk.",
                    "Dar a cada hogar un espacio verde público a menos de 10 minutos a pie."),
     ("Residents within a 10-minute walk of a public green space", "Residentes a menos de 10 minutos a pie de un espacio verde público"),
     "%", "71", 2023, "95", date(2030, 12, 31), "SDG 11.7.1", "long", 2, "Parks and Gardens",
     ("Cooler streets in summer and places to meet.", "Calles más frescas en verano y lugares de encuentro.")),
    (4, "economy", ("Connect every household to fast, affordable internet.",
                    "Conectar cada hogar a una internet rápida y asequible."),
     ("Households with a fixed connection of 100 Mbit/s or more", "Hogares con conexión fija de 100 Mbit/s o más"),
     "%", "64", 2023, "98", date(2028, 12, 31), "ITU-T Y.4903", "medium", 1, "Digital Services",
     ("Nobody is left out of online services.", "Nadie queda fuera de los servicios en línea.")),
    (5, "governance", ("Open the city’s data and decisions to residents.",
                       "Abrir a los residentes los datos y las decisiones de la ciudad."),
     ("City datasets published as open data", "Conjuntos de datos municipales publicados como datos abiertos"),
     "datasets", "35", 2024, "250", date(2027, 12, 31), "ISO 37122", "short", 2, "City Clerk",
     ("Residents can check what the city does.", "Los residentes pueden comprobar lo que hace la ciudad.")),
    (6, "society", ("Shorten the wait for affordable housing.",
                    "Acortar la espera para acceder a una vivienda asequible."),
     ("Average wait for social housing", "Espera media para una vivienda social"),
     "months", "38", 2023, "18", date(2030, 12, 31), "SDG 11.1", "long", 1, "Housing Agency",
     ("Families find a home in time.", "Las familias encuentran hogar a tiempo.")),
    (7, "environment", ("Halve the water lost through leaks and protect the river.",
                        "Reducir a la mitad el agua perdida por fugas y proteger el río."),
     ("Water lost through leaks in the network", "Agua perdida por fugas en la red"),
     "%", "24", 2022, "12", date(2030, 12, 31), "ISO 37120", "long", 2, "Riverford Water",
     ("A clean river and fair water prices.", "Un río limpio y precios justos del agua.")),
    (8, "economy", ("Help small businesses in the Old Town and the Harbour go digital.",
                    "Ayudar a los pequeños comercios del Casco Antiguo y del Puerto a digitalizarse."),
     ("Small businesses selling online", "Pequeños comercios que venden en línea"),
     "%", "22", 2023, "50", date(2028, 12, 31), "ITU-T Y.4903", "medium", 3, "Chamber of Commerce",
     ("Local shops stay open and hire locally.", "El comercio local sigue abierto y contrata en el barrio.")),
]

# goal number -> [(en, es, responsible, start, months, estimated, actual or None, funding, status)]
ACTIONS = {
    1: [("Publish a yearly emissions inventory", "Publicar un inventario anual de emisiones", "Climate Office",
         date(2024, 1, 15), 6, 45000, 41200, "City budget", "completed"),
        ("Replace all street lights with LEDs", "Sustituir todo el alumbrado público por LED", "Public Works",
         date(2024, 3, 1), 20, 2400000, 2310000, "EU Cohesion Fund", "completed"),
        ("Extend district heating to 5,000 homes", "Ampliar la calefacción urbana a 5000 viviendas", "Riverford Energy",
         date(2025, 4, 1), 48, 18500000, None, "Green bonds", "in_progress"),
        ("Insulate 1,200 social housing flats", "Aislar 1200 viviendas sociales", "Housing Agency",
         date(2025, 9, 1), 36, 9600000, None, "National renovation fund", "in_progress")],
    2: [("Build protected cycle lanes near every school", "Construir carriles bici protegidos junto a cada escuela",
         "Mobility Department", date(2025, 3, 1), 30, 6200000, None, "City budget", "in_progress"),
        ("Open 40 secure bicycle parking hubs", "Abrir 40 aparcamientos seguros para bicicletas", "Mobility Department",
         date(2025, 6, 1), 18, 1200000, None, "City budget", "in_progress"),
        ("Study parking replacement with Harbour traders", "Estudiar con los comerciantes del Puerto cómo sustituir plazas de aparcamiento",
         "Mobility Department", date(2026, 1, 15), 6, 80000, None, "City budget", "planned"),
        ("Free cycling lessons for adults and children", "Clases de bicicleta gratuitas para adultos y niños", "Sports Service",
         date(2025, 4, 1), 60, 300000, 95000, "City budget", "in_progress")],
    3: [("Map every home’s walking distance to green space", "Cartografiar la distancia a pie de cada hogar a un espacio verde",
         "Urban Planning", date(2024, 2, 1), 8, 60000, 58000, "City budget", "completed"),
        ("Turn three car parks into pocket parks", "Convertir tres aparcamientos en pequeños parques", "Parks and Gardens",
         date(2025, 5, 1), 24, 2100000, None, "City budget", "in_progress"),
        ("Open school playgrounds to the public after hours", "Abrir los patios escolares al público fuera del horario lectivo",
         "Education Department", date(2025, 9, 1), 12, 150000, None, "City budget", "in_progress"),
        ("Plant 10,000 street trees", "Plantar 10 000 árboles en las calles", "Parks and Gardens",
         date(2025, 10, 1), 60, 3500000, None, "Regional climate fund", "planned")],
    4: [("Lay fibre to the North Hills", "Tender fibra óptica hasta Colinas del Norte", "Digital Services",
         date(2024, 6, 1), 30, 7800000, None, "National broadband plan", "delayed"),
        ("Social broadband tariff for low-income households", "Tarifa social de internet para hogares con bajos ingresos",
         "Social Services", date(2025, 1, 1), 12, 900000, 870000, "City budget", "completed"),
        ("Free Wi-Fi in all libraries and community centres", "Wi-Fi gratuito en bibliotecas y centros cívicos",
         "Digital Services", date(2025, 3, 1), 9, 250000, 232000, "City budget", "completed")],
    5: [("Open data portal with a clear licence", "Portal de datos abiertos con una licencia clara", "City Clerk",
         date(2024, 9, 1), 6, 120000, 118500, "City budget", "completed"),
        ("Publish every council decision in plain language", "Publicar cada decisión del pleno en lenguaje claro",
         "City Clerk", date(2025, 1, 15), 12, 90000, None, "City budget", "in_progress"),
        ("Publish the action plan’s progress every quarter", "Publicar cada trimestre los avances del plan de acción",
         "Strategy Office", date(2025, 3, 1), 60, 40000, None, "City budget", "in_progress")],
    6: [("Build 600 affordable homes at the old rail yard", "Construir 600 viviendas asequibles en la antigua estación de mercancías",
         "Housing Agency", date(2025, 6, 1), 54, 96000000, None, "Housing bonds", "in_progress"),
        ("One online waiting list with a clear ranking", "Una única lista de espera en línea con un orden claro",
         "Housing Agency", date(2025, 2, 1), 10, 350000, 362000, "City budget", "completed"),
        ("Bring 300 empty flats back into use", "Recuperar 300 viviendas vacías", "Housing Agency",
         date(2025, 9, 1), 36, 4500000, None, "City budget", "in_progress")],
    7: [("Install leak sensors on the main network", "Instalar sensores de fugas en la red principal", "Riverford Water",
         date(2024, 5, 1), 24, 3200000, None, "Water tariff", "delayed"),
        ("Replace 40 km of old lead and cast-iron pipes", "Sustituir 40 km de tuberías antiguas de plomo y fundición",
         "Riverford Water", date(2025, 1, 1), 60, 28000000, None, "Water tariff", "in_progress"),
        ("Separate rain water from sewage in the Old Town", "Separar el agua de lluvia de las aguas residuales en el Casco Antiguo",
         "Riverford Water", date(2026, 3, 1), 36, 12000000, None, "EU Cohesion Fund", "planned")],
    8: [("Digital skills vouchers for shop owners", "Bonos de formación digital para comerciantes", "Chamber of Commerce",
         date(2025, 2, 1), 24, 500000, None, "City budget", "in_progress"),
        ("A shared online marketplace for local shops", "Un mercado en línea compartido para el comercio local",
         "Economic Development", date(2025, 5, 1), 12, 420000, None, "Regional innovation fund", "in_progress"),
        ("Free advice desk at the Harbour market", "Punto de asesoramiento gratuito en el mercado del Puerto",
         "Economic Development", date(2025, 4, 1), 36, 180000, None, "City budget", "in_progress"),
        ("Evaluate the programme with business owners", "Evaluar el programa con los comerciantes", "Economic Development",
         date(2027, 6, 1), 6, 30000, None, "City budget", "planned")],
}

# goal number -> [(en, es, reached_on or None)] for targets 1..n; the last entry is the "complete" step
TARGETS = {
    1: [("Publish the first emissions inventory", "Publicar el primer inventario de emisiones", date(2024, 7, 10)),
        ("All street lights are LEDs", "Todo el alumbrado público es LED", date(2025, 11, 3)),
        ("2,500 homes on district heating", "2500 viviendas con calefacción urbana", None),
        ("Emissions down 25%", "Emisiones reducidas un 25 %", None),
        ("Emissions down 35%", "Emisiones reducidas un 35 %", None),
        ("Emissions down 40%", "Emisiones reducidas un 40 %", None)],
    2: [("First 10 schools have protected lanes", "Las primeras 10 escuelas tienen carriles protegidos", date(2025, 10, 20)),
        ("Cycling share reaches 12%", "La bicicleta alcanza el 12 % de los viajes", None),
        ("Cycling share reaches 20%", "La bicicleta alcanza el 20 % de los viajes", None)],
    4: [("Social tariff available city-wide", "Tarifa social disponible en toda la ciudad", date(2025, 12, 1)),
        ("Fibre reaches the North Hills", "La fibra llega a Colinas del Norte", None),
        ("98% of households connected", "98 % de los hogares conectados", None)],
    5: [("Open data portal online", "Portal de datos abiertos en línea", date(2025, 2, 28)),
        ("100 datasets published", "100 conjuntos de datos publicados", date(2025, 9, 30)),
        ("250 datasets published", "250 conjuntos de datos publicados", None)],
}

REVISED = (2, "Make cycling safe and easy for all ages: raise the share of trips made by bicycle, starting with "
              "protected lanes near every school.",
           "Many of you asked for protected lanes near schools first, so the goal now says so and the first "
           "score-card target is the first ten schools. Several Harbour traders worried about losing parking: "
           "action 2.3 now studies replacement parking with them before any space is removed. A request for "
           "free e-bikes was not taken up, because the budget is needed for safe lanes first.")

REVISED_ES = ("Hacer que ir en bicicleta sea seguro y fácil a cualquier edad: aumentar la proporción de viajes en "
              "bicicleta, empezando por carriles protegidos junto a cada escuela.")

COMMENTS = [  # goal number, author key, stance, text, replies [(author key, text)]
    (2, "yusuf", "for", "Please start with the lanes on School Street: my children cross four lanes of traffic.",
     [("mei", "Thank you. School Street is in the first group of ten schools.")]),
    (2, "marie", "against", "Removing parking in the Harbour will hurt the market traders.",
     [("yusuf", "Most market customers arrive on foot or by bus, according to the city’s own survey.")]),
    (2, "chen", "neutral", "Good idea, but what about winter maintenance of the new lanes?", []),
    (1, "amina", "for", "District heating in Riverside would cut our bills a lot. When does it reach us?", []),
    (1, "chen", "against", "40% is not ambitious enough; other cities aim for net zero by 2035.", []),
    (3, "marie", "for", "Opening school playgrounds at weekends is a simple, great idea.", []),
    (6, "yusuf", "neutral", "Please publish how the waiting list ranking works, in several languages.", []),
    (4, "amina", "for", "The North Hills still have slow internet; this matters for students.", []),
]


def _months(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, min(start.day, 28))


def load_plan_demo(people: dict, now) -> None:
    if db.session.scalar(sa.select(sa.func.count(Plan.id))):
        return
    plan = Plan(titles=PLAN["titles"], visions=PLAN["visions"], principles=PLAN["principles"], status="draft",
                version=1, original_language="en", currency="EUR", period_start=date(2025, 1, 1),
                period_end=date(2030, 12, 31), consultation_opens_at=now - timedelta(days=75),
                consultation_closes_at=now - timedelta(days=30), created_at=now - timedelta(days=90), updated_at=now)
    db.session.add(plan)
    goals = {}
    for (number, dimension, statement, kpi, unit, baseline, year, target, target_date, reference, timeframe,
         priority, champion, outcome) in GOALS:
        statements = {"en": statement[0], "es": statement[1]}
        goal = Goal(number=number, dimension=dimension, statements=statements,
                    kpi_names={"en": kpi[0], "es": kpi[1]}, kpi_unit=unit, kpi_baseline=Decimal(baseline),
                    kpi_baseline_year=year, kpi_target=Decimal(target), kpi_target_date=target_date,
                    kpi_reference=reference, timeframe=timeframe, priority=priority, champion=champion,
                    outcomes={"en": outcome[0], "es": outcome[1]}, ismart_notes={}, version=1)
        plan.goals.append(goal)
        goal.revisions.append(GoalRevision(version=1, statements=dict(statements), notes=None,
                                           published_at=now - timedelta(days=80), published_by_id=people["staff"].id,
                                           thread=CommentThread(kind=GOAL_THREAD_KIND)))
        for position, (en, es, responsible, start, months, estimated, actual, funding, status) in enumerate(
                ACTIONS[number], start=1):
            end = _months(start, months)
            goal.actions.append(Action(
                number=f"{number}.{position}", position=position, descriptions={"en": en, "es": es},
                responsible=responsible, start_date=start, end_date=end, resources={},
                estimated_cost=Decimal(estimated), actual_cost=None if actual is None else Decimal(actual),
                funding_source=funding, status=status,
                check_ins=[ActionCheckIn(due_on=_months(start, m)) for m in range(6, months, 6)][:4]))
        steps = TARGETS.get(number, [])
        for position, (en, es, reached) in enumerate(steps, start=1):
            final = position == len(steps)
            goal.targets.append(GoalTarget(position=COMPLETE_POSITION if final else position,
                                           descriptions={"en": en, "es": es}, reached_on=reached))
        goals[number] = goal
    db.session.flush()

    for offset, (number, author, stance, text, replies) in enumerate(COMMENTS):
        thread = goals[number].revisions[0].thread
        posted = plan.consultation_opens_at + timedelta(days=3 + offset * 4)
        comment = Comment(thread=thread, author=people[author], body=clean_rich_text(f"<p>{text}</p>"),
                          stance=stance, created_at=posted, show_name=people[author].show_name_publicly)
        db.session.add(comment)
        for hours, (reply_author, reply) in enumerate(replies, start=1):
            db.session.add(Comment(thread=thread, author=people[reply_author], parent=comment,
                                   show_name=people[reply_author].show_name_publicly,
                                   body=clean_rich_text(f"<p>{reply}</p>"), created_at=posted + timedelta(hours=hours * 5)))

    number, statement, note = REVISED
    goal = goals[number]
    statements = {"en": statement, "es": REVISED_ES}
    revision = GoalRevision(goal=goal, version=2, statements=statements, notes={"en": note},
                            published_at=now - timedelta(days=20), published_by_id=people["staff"].id,
                            thread=CommentThread(kind=GOAL_THREAD_KIND))
    db.session.add(revision)
    goal.statements, goal.version = dict(statements), 2
    db.session.flush()
