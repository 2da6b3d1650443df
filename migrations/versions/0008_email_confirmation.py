"""e-mail confirmation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 14:00:00

Owner while issue 10 is in progress: rate limits and e-mail confirmation.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
