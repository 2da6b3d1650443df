from __future__ import annotations

import sqlalchemy as sa

from civic.city.models import City, District
from civic.extensions import db


def current_city() -> City | None:
    return db.session.scalars(sa.select(City).order_by(City.id).limit(1)).first()


def list_districts() -> list[District]:
    return list(db.session.scalars(sa.select(District).order_by(District.position, District.id)))
