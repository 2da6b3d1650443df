"""four eyes on the vote

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 14:00:00

Owner while issue 10 is in progress: four eyes.

A document that is not on the eligibility list verifies no one until a second staff member approves
it (`verification_request`, with a CHECK that the approver is not the requester, and a trigger on
`voter` that refuses an in-person voter whose document is neither listed nor approved). Paper
ballots wait, sealed, in `paper_ballot` / `paper_entry` until two entries by different people agree.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_OFF_LIST = "a document that is not on the eligibility list needs the approval of a second staff member"
# An in-person voter must come from the list or from an approved request.
_UNVOUCHED = ("NEW.method = 'in_person' "
              "AND NOT EXISTS (SELECT 1 FROM eligible_document e WHERE e.document_hash = NEW.document_hash) "
              "AND NOT EXISTS (SELECT 1 FROM verification_request r WHERE r.document_hash = NEW.document_hash "
              "AND r.status = 'approved')")


def upgrade():
    op.create_table('verification_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_hash', sa.String(length=64), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voter_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused', 'withdrawn')", name=op.f('ck_verification_request_status_known')),
    sa.CheckConstraint("decided_by_id IS NULL OR (decided_by_id = requested_by_id) = (status = 'withdrawn')", name=op.f('ck_verification_request_second_staff')),
    sa.CheckConstraint("status = 'pending' OR (decided_by_id IS NOT NULL AND decided_at IS NOT NULL)", name=op.f('ck_verification_request_decision_has_staff')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_verification_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_verification_request_district_id_district'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_verification_request_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_verification_request_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voter_id'], ['voter.id'], name=op.f('fk_verification_request_voter_id_voter'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_request'))
    )
    with op.batch_alter_table('verification_request', schema=None) as batch_op:
        batch_op.create_index('ix_verification_request_pending_document', ['document_hash'], unique=True,
                              sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.create_index(batch_op.f('ix_verification_request_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_request_voter_id'), ['voter_id'], unique=False)

    op.create_table('paper_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_paper_ballot_budget_id_budget'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['voter.id'], name=op.f('fk_paper_ballot_voter_id_voter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_ballot')),
    sa.UniqueConstraint('budget_id', 'voter_id', name=op.f('uq_paper_ballot_budget_id_voter_id'))
    )
    with op.batch_alter_table('paper_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_ballot_budget_id'), ['budget_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_ballot_voter_id'), ['voter_id'], unique=False)

    op.create_table('paper_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_ballot_id', sa.Integer(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_paper_entry_entered_by_id_user_account')),
    sa.ForeignKeyConstraint(['paper_ballot_id'], ['paper_ballot.id'], name=op.f('fk_paper_entry_paper_ballot_id_paper_ballot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry')),
    sa.UniqueConstraint('paper_ballot_id', 'entered_by_id', name=op.f('uq_paper_entry_paper_ballot_id_entered_by_id'))
    )
    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_entry_paper_ballot_id'), ['paper_ballot_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION voter_vouched_for() RETURNS trigger AS $$ "
                   f"BEGIN IF {_UNVOUCHED} THEN RAISE EXCEPTION '{_OFF_LIST}' USING ERRCODE = 'check_violation'; END IF; "
                   "RETURN NEW; END; "
                   "$$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER voter_vouched_for BEFORE INSERT OR UPDATE OF document_hash, method ON voter "
                   "FOR EACH ROW EXECUTE FUNCTION voter_vouched_for()")
    else:
        op.execute(f"CREATE TRIGGER voter_vouched_for_insert BEFORE INSERT ON voter WHEN {_UNVOUCHED} "
                   f"BEGIN SELECT RAISE(ABORT, '{_OFF_LIST}'); END")
        op.execute(f"CREATE TRIGGER voter_vouched_for_update BEFORE UPDATE OF document_hash, method ON voter "
                   f"WHEN {_UNVOUCHED} BEGIN SELECT RAISE(ABORT, '{_OFF_LIST}'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER voter_vouched_for ON voter")
        op.execute("DROP FUNCTION voter_vouched_for()")
    else:
        op.execute("DROP TRIGGER voter_vouched_for_update")
        op.execute("DROP TRIGGER voter_vouched_for_insert")
    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_entry_paper_ballot_id'))

    op.drop_table('paper_entry')
    with op.batch_alter_table('paper_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_ballot_voter_id'))
        batch_op.drop_index(batch_op.f('ix_paper_ballot_budget_id'))

    op.drop_table('paper_ballot')
    with op.batch_alter_table('verification_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_request_voter_id'))
        batch_op.drop_index(batch_op.f('ix_verification_request_requested_by_id'))
        batch_op.drop_index('ix_verification_request_pending_document')

    op.drop_table('verification_request')
