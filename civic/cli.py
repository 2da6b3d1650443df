"""The `civic` command: Flask's commands (run, shell, db ...) plus the project's own."""

from __future__ import annotations

import secrets

import click
from flask.cli import FlaskGroup, with_appcontext

from civic import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app())
def main() -> None:
    """civic: participatory platform for cities."""


@main.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "display_name", prompt="Display name")
@click.password_option()
@with_appcontext
def create_admin_command(email: str, display_name: str, password: str) -> None:
    """Create an administrator, or make an existing account one."""
    from civic.accounts.services import create_admin
    from civic.core.db import utcnow
    from civic.core.errors import DomainError
    from civic.extensions import db

    try:
        user = create_admin(email=email, display_name=display_name, password=password, now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"{user.email} is an administrator.")


@main.command("demo")
@click.option("--password", help="Password for every demo account (generated when omitted).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has a city.")
@with_appcontext
def demo_command(password: str | None, if_empty: bool) -> None:
    """Load the demo city: its districts and one account of each role."""
    from civic.city.services import current_city
    from civic.demo import load_demo
    from civic.extensions import db

    if if_empty and current_city() is not None:
        click.echo("The database already holds a city; the demo was not loaded.")
        return
    password = password or secrets.token_urlsafe(12)
    accounts = load_demo(password)
    db.session.commit()
    click.echo("Demo city loaded. Accounts (all with the same password):")
    for role, email in accounts:
        click.echo(f"  {role:<10} {email}")
    click.echo(f"  password   {password}")


@main.group()
def translate() -> None:
    """Keep the translation catalogs in step with the code."""


@translate.command("extract")
def translate_extract() -> None:
    """Write translations/messages.pot from the code and templates."""
    from civic.translate import extract

    extract()


@translate.command("update")
def translate_update() -> None:
    """Extract, then merge the new strings into every language's catalog."""
    from civic.translate import extract, update

    extract()
    update()


@translate.command("compile")
def translate_compile() -> None:
    """Compile the catalogs (.po to .mo) so the app can use them."""
    from civic.translate import compile_catalogs

    compile_catalogs()
