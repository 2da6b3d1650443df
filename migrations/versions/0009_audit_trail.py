"""append-only audit trail of staff actions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 14:00:00

Owner while issue 10 is in progress: audit trail.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
