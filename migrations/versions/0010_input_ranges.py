"""range checks on numbers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 14:00:00

Owner while issue 10 is in progress: bad input.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
