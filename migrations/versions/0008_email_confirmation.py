"""e-mail confirmation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 14:00:00

Accounts remember when their e-mail address was confirmed. Accounts that exist already predate
the rule and count as confirmed from their creation.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    user_account = sa.table('user_account', sa.column('created_at', sa.DateTime(timezone=True)),
                            sa.column('email_confirmed_at', sa.DateTime(timezone=True)))
    op.execute(user_account.update().values(email_confirmed_at=user_account.c.created_at))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
