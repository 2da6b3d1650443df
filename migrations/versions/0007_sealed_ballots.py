"""sealed ballots while a vote is open

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 14:00:00

Owner while issue 10 is in progress: ballot secrecy.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
