"""Download counts per dataset and format (seed 002: track the use of open data)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from civic.extensions import db


class DownloadCount(db.Model):
    __tablename__ = "download_count"
    __table_args__ = (sa.CheckConstraint("downloads >= 0", name="downloads_positive"),)

    dataset: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    format: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    downloads: Mapped[int] = mapped_column(default=0)
