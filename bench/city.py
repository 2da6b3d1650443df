"""Build a valid city at scale, fast: the demo city plus 100,000 accounts, 20,000 proposals, 200,000
supports, 50,000 threaded comments, an eligibility list with verified voters, an open vote of 30
projects and Łódź 2022 (90,494 ballots) imported from $CIVIC_PABULIB_DIR and published.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/civic_scale .venv/bin/python bench/city.py
    .venv/bin/python bench/city.py --small            # 1/100 of the sizes, a small election; SQLite by default

The schema is made by the real migrations on an empty database (a missing PostgreSQL database is
created). A database that already holds data is refused unless --reset, which drops everything
(PostgreSQL: the public schema; SQLite: the file). Keyed hashes and sealed ballots use VOTING_KEY
from the environment or the instance folder, as the app does: serve the city with the same key.
Prints each step and its time, then how a benchmark finds accounts, their password and the budgets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1/100 of the default sizes and a small election")
    parser.add_argument("--accounts", type=int)
    parser.add_argument("--proposals", type=int)
    parser.add_argument("--supports", type=int)
    parser.add_argument("--comments", type=int)
    parser.add_argument("--busiest", type=int, help="comments on the busiest proposal (default 186)")
    parser.add_argument("--documents", type=int, help="document numbers on the list (default: one per account)")
    parser.add_argument("--verified", type=int, help="accounts already verified as voters (default: half)")
    parser.add_argument("--cast", type=int, help="of those, how many already voted in the open budget")
    parser.add_argument("--election", help="Pabulib file in $CIVIC_PABULIB_DIR (default Poland_Lodz_2022.pb)")
    parser.add_argument("--no-election", action="store_true", help="do not import and publish an election")
    parser.add_argument("--password", default="scale-city-password",
                        help="the password of every account, demo and scale alike (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=2027, help="same seed, same city (default %(default)s)")
    parser.add_argument("--reset", action="store_true", help="drop whatever the database holds first")
    return parser.parse_args(argv)


def database_url() -> str:
    from civic import ROOT

    if os.environ.get("DATABASE_URL"):
        from civic.config import normalise_database_url

        return normalise_database_url(os.environ["DATABASE_URL"])
    instance = Path(os.environ.get("CIVIC_INSTANCE_PATH", ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance / 'scale.db'}"


def prepare(url: str, reset: bool) -> None:
    """An empty database at `url`, or a clear refusal."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if path.is_file() and reset:
            path.unlink()
    else:
        admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                     {"name": parsed.database}):
                connection.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
        if reset:
            engine = sa.create_engine(parsed)
            with engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
    engine = sa.create_engine(parsed)
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        holds = "user_account" in tables and connection.scalar(sa.text("SELECT count(*) FROM user_account"))
        other = tables - {"alembic_version", *_schema_tables()}
    engine.dispose()
    if holds or other:
        raise SystemExit(f"{parsed.render_as_string(hide_password=True)} is not empty; "
                         "run again with --reset to drop what it holds.")


def _schema_tables() -> set[str]:
    from civic.extensions import db

    return set(db.metadata.tables)


def main(argv=None) -> None:
    args = _arguments(argv)
    url = database_url()
    from civic import create_app, scale

    prepare(url, args.reset)
    sizes = scale.sizes_from(scale.SMALL if args.small else scale.FULL, accounts=args.accounts,
                             proposals=args.proposals, supports=args.supports, comments=args.comments,
                             busiest=args.busiest, documents=args.documents, verified=args.verified,
                             cast=args.cast, election=args.election)
    if args.no_election:
        sizes = scale.sizes_from(sizes, election="")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    started = time.perf_counter()
    with app.test_request_context():
        from flask_migrate import upgrade

        from civic.demo import load_demo
        from civic.extensions import db

        step = time.perf_counter()
        upgrade()
        print(f"  {'schema (migrations)':<22} {time.perf_counter() - step:7.1f} s  {url.split(':', 1)[0]}")
        step = time.perf_counter()
        load_demo(args.password)
        db.session.commit()
        print(f"  {'demo city':<22} {time.perf_counter() - step:7.1f} s  Riverford, as `civic demo` loads it")
        try:
            report = scale.build_city(sizes, args.password, seed=args.seed)
        except scale.ScaleError as error:
            raise SystemExit(str(error)) from None
        print(f"Built in {time.perf_counter() - started:.1f} s.")
        for line in scale.describe(sizes, report, args.password):
            print(line)


if __name__ == "__main__":
    main()
