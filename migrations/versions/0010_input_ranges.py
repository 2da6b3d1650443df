"""range checks on numbers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 14:00:00

Money, counts and indicator values get upper bounds the forms check too, so no value can be
stored that a page, a count or a JSON file cannot handle: money up to 999,999,999,999 (fits
numeric(14, 2) and bigint), counts up to 1,000,000, indicator values within numeric(18, 4).

SQLite cannot add a constraint without rebuilding the table. The budget and project tables are not
rebuilt: a rebuild would drop the triggers on project and break those of other tables that read
budget. There the same rules are triggers that fail like a CHECK constraint.
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MONEY = "999999999999"
DECIMAL_MONEY = "999999999999.99"
COUNT = "1000000"
MEASURE = "99999999999999.9999"

# (table, constraint name, condition)
REBUILT = [
    ('outcome', 'costs_bounded',
     f"coalesce(estimated_cost, 0) <= {DECIMAL_MONEY} AND coalesce(actual_cost, 0) <= {DECIMAL_MONEY}"),
    ('outcome', 'weight_bounded', f"weight <= {COUNT}"),
    ('outcome_update', 'actual_cost_range', f"actual_cost IS NULL OR actual_cost BETWEEN 0 AND {DECIMAL_MONEY}"),
    ('plan_action', 'costs_bounded',
     f"estimated_cost <= {DECIMAL_MONEY} AND coalesce(actual_cost, 0) <= {DECIMAL_MONEY}"),
    ('goal', 'kpi_bounded',
     f"kpi_baseline BETWEEN -{MEASURE} AND {MEASURE} AND kpi_target BETWEEN -{MEASURE} AND {MEASURE}"),
]
# The same, with {row} before each column: nothing in a CHECK constraint, "NEW." in a trigger.
NOT_REBUILT = [
    ('budget', 'amount_bounded', f"{{row}}amount <= {MONEY}"),
    ('budget', 'counts_bounded',
     " AND ".join(f"coalesce({{row}}{column}, 0) <= {COUNT}" for column in (
         'min_projects', 'max_projects', 'max_points_total', 'max_points_per_project', 'max_ranks', 'threshold'))),
    ('project', 'cost_bounded', f"{{row}}cost <= {MONEY}"),
]


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, name, condition in REBUILT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{name}'), condition)
    for table, name, condition in NOT_REBUILT:
        if not sqlite:
            op.create_check_constraint(op.f(f'ck_{table}_{name}'), table, condition.format(row=""))
            continue
        for event in ("insert", "update"):
            op.execute(f"CREATE TRIGGER ck_{table}_{name}_{event} BEFORE {event.upper()} ON {table} "
                       f"WHEN NOT ({condition.format(row='NEW.')}) "
                       f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ck_{table}_{name}'); END")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, name, _condition in reversed(NOT_REBUILT):
        if not sqlite:
            op.drop_constraint(op.f(f'ck_{table}_{name}'), table, type_='check')
            continue
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER ck_{table}_{name}_{event}")
    for table, name, _condition in reversed(REBUILT):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_{name}'), type_='check')
