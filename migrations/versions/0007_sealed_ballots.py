"""sealed ballots while a vote is open

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 14:00:00

Ballots of open votes move from the readable `ballot` tables into `sealed_ballot` (AES-GCM under a
key derived from VOTING_KEY, as civic/budgets/sealing.py does; migrations import no app code, so
the few lines are repeated here). Counted ballots lose `voter_key` and are rewritten in a random
order. Triggers keep sealed rows to open votes and counted rows to closed ones.
"""
import json
import os
import secrets

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_CLOSED = "the vote is closed: sealed ballots can no longer be written"
_OPEN = "counted ballots are written only when the vote is closed"
# Sealed ballots name projects inside the ciphertext, where no foreign key can see them.
_VOTED = "people have voted on this project: it cannot be removed"


def _aead():
    secret = current_app.config["VOTING_KEY"].encode()
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"civic ballot seal v1").derive(secret))


def _seal(context, choices, project_count):
    plain = json.dumps(sorted(choices.items()), separators=(",", ":")).encode()
    room = 2 + max(project_count, 1) * 44
    size = -(-room // 256) * 256
    nonce = os.urandom(12)
    return nonce + _aead().encrypt(nonce, plain.ljust(size), context.encode())


def _unseal(context, sealed):
    plain = _aead().decrypt(bytes(sealed[:12]), bytes(sealed[12:]), context.encode())
    return {int(p): int(v) for p, v in json.loads(plain)}


def _choices_by_ballot(bind, budget_ids):
    rows = bind.execute(sa.text(
        "SELECT b.id, b.budget_id, b.voter_key, c.project_id, c.points, c.rank, bu.ballot_kind "
        "FROM ballot b JOIN budget bu ON bu.id = b.budget_id LEFT JOIN ballot_choice c ON c.ballot_id = b.id "
        "WHERE b.budget_id IN :ids").bindparams(sa.bindparam("ids", expanding=True)), {"ids": list(budget_ids)})
    ballots = {}
    for ballot_id, budget_id, key, project_id, points, rank, kind in rows:
        entry = ballots.setdefault(ballot_id, {"budget_id": budget_id, "voter_key": key, "choices": {}})
        if project_id is not None:
            entry["choices"][project_id] = rank if kind == "ranked" else points
    return ballots


def _delete_ballots(bind, budget_ids):
    # Foreign keys are off during SQLite migrations: remove the choices explicitly.
    params = {"ids": list(budget_ids)}
    bind.execute(sa.text("DELETE FROM ballot_choice WHERE ballot_id IN (SELECT id FROM ballot WHERE budget_id IN :ids)")
                 .bindparams(sa.bindparam("ids", expanding=True)), params)
    bind.execute(sa.text("DELETE FROM ballot WHERE budget_id IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
                 params)


def upgrade():
    op.create_table('sealed_ballot',
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_sealed_ballot_budget_id_budget'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('budget_id', 'voter_key', name=op.f('pk_sealed_ballot'))
    )
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inherited', sa.Boolean(), server_default=sa.false(), nullable=False))
    bind = op.get_bind()
    open_ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM budget WHERE closed_at IS NULL"))]
    closed_ids = [row[0] for row in bind.execute(sa.text(
        "SELECT id FROM budget WHERE closed_at IS NOT NULL AND source_meta IS NULL"))]
    if open_ids:
        counts = dict(bind.execute(sa.text("SELECT budget_id, count(*) FROM project GROUP BY budget_id")).all())
        sealed = [{"budget_id": b["budget_id"], "voter_key": b["voter_key"],
                   "sealed": _seal(f"ballot:{b['budget_id']}:{b['voter_key']}", b["choices"],
                                   counts.get(b["budget_id"], 0))}
                  for b in _choices_by_ballot(bind, open_ids).values() if b["voter_key"]]
        _delete_ballots(bind, open_ids)
        if sealed:
            bind.execute(sa.text("INSERT INTO sealed_ballot (budget_id, voter_key, sealed) "
                                 "VALUES (:budget_id, :voter_key, :sealed)"), sealed)
    if closed_ids:
        # Rewrite counted ballots in a random order, so row order no longer follows the voting order.
        counted = list(_choices_by_ballot(bind, closed_ids).values())
        _delete_ballots(bind, closed_ids)
        secrets.SystemRandom().shuffle(counted)
        for ballot in counted:
            ballot_id = secrets.token_hex(16)
            bind.execute(sa.text("INSERT INTO ballot (id, budget_id, voter_key) VALUES (:id, :budget, NULL)"),
                         {"id": ballot_id, "budget": ballot["budget_id"]})
            kind_ranked = bind.execute(sa.text("SELECT ballot_kind FROM budget WHERE id = :id"),
                                       {"id": ballot["budget_id"]}).scalar() == "ranked"
            for project_id, value in ballot["choices"].items():
                bind.execute(sa.text("INSERT INTO ballot_choice (ballot_id, project_id, points, rank) "
                                     "VALUES (:b, :p, :points, :rank)"),
                             {"b": ballot_id, "p": project_id, "points": 1 if kind_ranked else value,
                              "rank": value if kind_ranked else None})
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ballot_budget_id_voter_key'), type_='unique')
        batch_op.drop_column('voter_key')

    if bind.dialect.name == "postgresql":
        op.execute("CREATE FUNCTION sealed_ballot_open_vote() RETURNS trigger AS $$ BEGIN "
                   "IF (SELECT closed_at FROM budget WHERE id = NEW.budget_id) IS NOT NULL THEN "
                   f"RAISE EXCEPTION '{_CLOSED}' USING ERRCODE = '23514'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER sealed_ballot_open_vote BEFORE INSERT OR UPDATE ON sealed_ballot "
                   "FOR EACH ROW EXECUTE FUNCTION sealed_ballot_open_vote()")
        op.execute("CREATE FUNCTION ballot_closed_vote() RETURNS trigger AS $$ BEGIN "
                   "IF (SELECT closed_at FROM budget WHERE id = NEW.budget_id) IS NULL THEN "
                   f"RAISE EXCEPTION '{_OPEN}' USING ERRCODE = '23514'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER ballot_closed_vote BEFORE INSERT OR UPDATE ON ballot "
                   "FOR EACH ROW EXECUTE FUNCTION ballot_closed_vote()")
        op.execute("CREATE FUNCTION project_without_votes() RETURNS trigger AS $$ BEGIN "
                   "IF EXISTS (SELECT 1 FROM participation WHERE budget_id = OLD.budget_id) THEN "
                   f"RAISE EXCEPTION '{_VOTED}' USING ERRCODE = '23503'; END IF; RETURN OLD; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER project_without_votes BEFORE DELETE ON project "
                   "FOR EACH ROW EXECUTE FUNCTION project_without_votes()")
    else:
        for event in ("INSERT", "UPDATE"):
            op.execute(f"CREATE TRIGGER sealed_ballot_open_vote_{event.lower()} BEFORE {event} ON sealed_ballot "
                       "WHEN (SELECT closed_at FROM budget WHERE id = NEW.budget_id) IS NOT NULL "
                       f"BEGIN SELECT RAISE(ABORT, '{_CLOSED}'); END")
            op.execute(f"CREATE TRIGGER ballot_closed_vote_{event.lower()} BEFORE {event} ON ballot "
                       "WHEN (SELECT closed_at FROM budget WHERE id = NEW.budget_id) IS NULL "
                       f"BEGIN SELECT RAISE(ABORT, '{_OPEN}'); END")
        op.execute("CREATE TRIGGER project_without_votes BEFORE DELETE ON project "
                   "WHEN EXISTS (SELECT 1 FROM participation WHERE budget_id = OLD.budget_id) "
                   f"BEGIN SELECT RAISE(ABORT, '{_VOTED}'); END")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER project_without_votes ON project")
        op.execute("DROP FUNCTION project_without_votes()")
        op.execute("DROP TRIGGER ballot_closed_vote ON ballot")
        op.execute("DROP FUNCTION ballot_closed_vote()")
        op.execute("DROP TRIGGER sealed_ballot_open_vote ON sealed_ballot")
        op.execute("DROP FUNCTION sealed_ballot_open_vote()")
    else:
        op.execute("DROP TRIGGER project_without_votes")
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER ballot_closed_vote_{event}")
            op.execute(f"DROP TRIGGER sealed_ballot_open_vote_{event}")
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voter_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_ballot_budget_id_voter_key'), ['budget_id', 'voter_key'])
    rows = bind.execute(sa.text("SELECT s.budget_id, s.voter_key, s.sealed, b.ballot_kind FROM sealed_ballot s "
                                "JOIN budget b ON b.id = s.budget_id")).all()
    for budget_id, key, sealed, kind in rows:
        ballot_id = secrets.token_hex(16)
        bind.execute(sa.text("INSERT INTO ballot (id, budget_id, voter_key) VALUES (:id, :b, :k)"),
                     {"id": ballot_id, "b": budget_id, "k": key})
        for project_id, value in _unseal(f"ballot:{budget_id}:{key}", sealed).items():
            bind.execute(sa.text("INSERT INTO ballot_choice (ballot_id, project_id, points, rank) "
                                 "VALUES (:b, :p, :points, :rank)"),
                         {"b": ballot_id, "p": project_id, "points": 1 if kind == "ranked" else value,
                          "rank": value if kind == "ranked" else None})
    op.drop_table('sealed_ballot')
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_column('inherited')
