"""four eyes on the vote

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 14:00:00

Owner while issue 10 is in progress: four eyes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
