"""Fixtures that mirror the areas: app, db (rolled back per test), client, login_as, factories.

The whole suite runs on SQLite and, when CIVIC_TEST_DATABASE_URL is set, again on PostgreSQL.
Both schemas are built by the real migrations, not by create_all.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from itertools import count

import pytest
import sqlalchemy as sa
from flask import appcontext_popped, has_app_context
from flask.globals import app_ctx
from flask.testing import FlaskClient
from flask_migrate import upgrade

from civic import create_app
from civic.accounts import passwords
from civic.accounts.models import Role, User
from civic.city.models import City, District
from civic.config import for_tests
from civic.core.db import utcnow
from civic.translate import compile_catalogs
from civic.extensions import db as _db
from civic.extensions import limiter

PG_URL = os.environ.get("CIVIC_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_PASSWORD = "river-lantern-orchard-42"


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs():
    # The suite always runs against the catalogs as they are in the tree.
    compile_catalogs()


@pytest.fixture(scope="session", autouse=True)
def _instance_path(tmp_path_factory):
    # Keep the developer's instance folder (database, secret key) out of the tests.
    os.environ["CIVIC_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))


def _reset_postgresql(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def separate_database(backend: str, directory, name: str) -> str:
    """A new, empty database of its own, for code that must commit for real (a live server, several
    processes): a SQLite file in `directory`, or a PostgreSQL database named after the test one."""
    if backend == "sqlite":
        return f"sqlite:///{directory / (name + '.db')}"
    url = sa.engine.make_url(for_tests(PG_URL)["SQLALCHEMY_DATABASE_URI"])
    database = f"{url.database}_{name}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = for_tests(PG_URL)["SQLALCHEMY_DATABASE_URI"]
    _reset_postgresql(url)
    return url


class CivicClient(FlaskClient):
    """A test client that sends the CSRF token like a browser form would."""

    _csrf: str | None = None

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = self.get("/accessibility").get_data(as_text=True)
            self._csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        return self._csrf

    def submit(self, url: str, data: dict | None = None, **kwargs):
        data = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=data, **kwargs)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(for_tests(database_url))
    app.test_client_class = CivicClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _scope():
    # Requests get a session per app context, as in production; test code outside any context
    # has one of its own (scope None) that lives for the whole test.
    return id(app_ctx._get_current_object()) if has_app_context() else None


@pytest.fixture
def db(app):
    """The database, inside a transaction rolled back after the test.

    Views commit as usual; their commits become savepoints of the outer transaction. Requests run
    in their own app context and session; after each request the test's session forgets what it
    had loaded, so the test reads what the request left in the database.
    """
    with app.app_context():
        connection = _db.engine.connect()
    outer = connection.begin()
    factory = sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    session = sa.orm.scoped_session(factory, scopefunc=_scope)
    test_session = session()

    def forget(sender, **extra):
        test_session.expire_all()

    appcontext_popped.connect(forget, app)
    original, _db.session = _db.session, session
    try:
        yield _db
    finally:
        appcontext_popped.disconnect(forget, app)
        test_session.close()
        _db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def ctx(app, db):
    """One request context for the whole test, for service tests: factories, services and
    assertions then share that context's session. Objects from the test's own session must not be
    used inside a context opened later (their savepoints would interleave)."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app, db):
    limiter.reset()
    return app.test_client()


@pytest.fixture
def outbox(app):
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


_serial = count(1)


def _saved(db, obj):
    db.session.add(obj)
    db.session.commit()
    return obj


@pytest.fixture(scope="session")
def password_hash():
    return passwords.hash_password(TEST_PASSWORD)


@pytest.fixture
def make_district(db):
    def make(slug: str | None = None, **names) -> District:
        n = next(_serial)
        district = District(slug=slug or f"district-{n}", names=names or {"en": f"District {n}"},
                            original_language="en", position=n)
        return _saved(db, district)

    return make


@pytest.fixture
def make_city(db):
    def make(**names) -> City:
        city = City(names=names or {"en": "Testford"}, original_language="en")
        return _saved(db, city)

    return make


@pytest.fixture
def make_user(db, password_hash):
    def make(role: Role | str = Role.RESIDENT, *, email_confirmed: bool = True, **fields) -> User:
        n = next(_serial)
        now = utcnow()
        values = {"email": f"person{n}@example.org", "display_name": f"Person {n}",
                  "password_hash": password_hash, "role": Role(role).value, "created_at": now,
                  "email_confirmed_at": now if email_confirmed else None}
        values.update(fields)
        user = User(**values)
        return _saved(db, user)

    return make


@pytest.fixture
def login_as(client, make_user):
    """Sign a user of `role` in on the test client (the sign-in form has its own tests)."""

    def login(role: Role | str = Role.RESIDENT, **fields) -> User:
        user = make_user(role, **fields)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def count_queries(app, db):
    """`with count_queries() as queries: ...` then `len(queries)`."""

    with app.app_context():
        engine = _db.engine

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            # Transaction bookkeeping (the test's savepoints, SQLite's BEGIN) is not page work.
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
                statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting
