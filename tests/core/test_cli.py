import sqlalchemy as sa

from civic.accounts.models import User
from civic.city.models import City, District
from civic.cli import main


def _run(app, *args):
    return app.test_cli_runner().invoke(main, list(args), catch_exceptions=False)


def test_demo_loads_a_city_with_one_account_per_role(app, db):
    result = _run(app, "demo", "--password", "a-demo-passphrase-1")
    assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output and "a-demo-passphrase-1" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(City)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(District)) >= 4
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"resident", "moderator", "staff", "admin"}

    again = _run(app, "demo", "--if-empty")
    assert "already holds a city" in again.output


def test_demo_generates_and_prints_a_password(app, db):
    result = _run(app, "demo")
    line = next(line for line in result.output.splitlines() if line.strip().startswith("password"))
    assert len(line.split()[-1]) >= 12


def test_create_admin(app, db):
    result = _run(app, "create-admin", "--email", "Chief@Example.org", "--name", "Chief",
                  "--password", "seven-bridges-cross")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(sa.select(User).where(User.email == "chief@example.org")).one()
    assert user.role == "admin"


def test_create_admin_rejects_a_common_password(app, db):
    result = app.test_cli_runner().invoke(main, ["create-admin", "--email", "a@example.org", "--name", "A",
                                                 "--password", "password123"])
    assert result.exit_code != 0 and "common" in result.output
