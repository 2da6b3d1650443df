from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from civic.core.i18n import LocalizedText, localized
from civic.extensions import db


class City(db.Model):
    """The one city this installation serves. Names are official texts, one per language."""

    __tablename__ = "city"

    id: Mapped[int] = mapped_column(primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    original_language: Mapped[str] = mapped_column(sa.String(8), default="en")

    @property
    def name(self) -> LocalizedText:
        return localized(self.names, self.original_language)


class District(db.Model):
    __tablename__ = "district"
    __table_args__ = (sa.UniqueConstraint("slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80))
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    original_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    position: Mapped[int] = mapped_column(default=0)

    @property
    def name(self) -> LocalizedText:
        return localized(self.names, self.original_language)
