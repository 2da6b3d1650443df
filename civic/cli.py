"""The `civic` command: Flask's commands (run, shell, db ...) plus the project's own."""

from __future__ import annotations

import secrets
from contextlib import contextmanager

import click
from flask import current_app
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
@click.option("--scale", type=click.Choice(["full", "small"]), is_flag=False, flag_value="full", default=None,
              help="Also build the city at scale (civic/scale.py; bench/city.py sets every size).")
@with_appcontext
def demo_command(password: str | None, if_empty: bool, scale: str | None) -> None:
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
    if scale:
        from civic import scale as city_at_scale

        sizes = city_at_scale.FULL if scale == "full" else city_at_scale.SMALL
        try:
            report = city_at_scale.build_city(sizes, password, echo=click.echo)
        except city_at_scale.ScaleError as error:
            raise click.ClickException(str(error)) from error
        for line in city_at_scale.describe(sizes, report, password):
            click.echo(line)


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


@main.group()
def pb() -> None:
    """Pabulib files: import an election, count a budget, export its ballots."""


def _budget_or_fail(budget_id: int):
    from civic.budgets.models import Budget
    from civic.extensions import db

    budget = db.session.get(Budget, budget_id)
    if budget is None:
        raise click.ClickException(f"No budget with id {budget_id}.")
    return budget


@pb.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line instead of a sentence.")
@with_appcontext
def pb_import(path: str, as_json: bool) -> None:
    """Create a process, a budget, its projects and anonymous ballots from a .pb file."""
    import json
    import sys

    from civic.budgets import pabulib, pbio
    from civic.core.db import utcnow
    from civic.core.errors import DomainError
    from civic.extensions import db

    total = _count_votes(path)
    # The bar goes to stderr, so stdout stays one clean JSON line for scripts.
    with click.progressbar(length=total, label="Importing ballots", file=sys.stderr) as bar:
        done = [0]

        def progress(number: int) -> None:
            bar.update(number - done[0])
            done[0] = number

        try:
            budget, ballots = pbio.import_file(path, utcnow(), progress=progress)
        except (DomainError, pabulib.PbFormatError) as error:
            db.session.rollback()
            raise click.ClickException(str(getattr(error, "message", error))) from error
        db.session.commit()
        bar.update(max(total - done[0], 0))
    summary = {"budget_id": budget.id, "projects": len(budget.projects), "ballots": ballots}
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(f"Imported budget {budget.id}: {summary['projects']} projects, {ballots} ballots.")


def _count_votes(path: str) -> int:
    # Half of the progress is reading, half is storing; count lines after VOTES for the length.
    with open(path, encoding="utf-8-sig") as handle:
        lines = 0
        in_votes = False
        for line in handle:
            if in_votes:
                lines += 1
            elif line.strip().upper() == "VOTES":
                in_votes = True
    return max(lines - 1, 0) * 2


@pb.command("tally")
@click.argument("budget_id", type=int)
@click.option("--rule", type=click.Choice(["greedy", "greedy-no-skip", "greedy-threshold", "equalshares/add1"]),
              help="Count with this rule instead of the budget's own.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line instead of a table.")
@with_appcontext
def pb_tally(budget_id: int, rule: str | None, as_json: bool) -> None:
    """Count a budget's ballots."""
    import json

    from civic.budgets.counting import CountingError
    from civic.budgets.results import count

    budget = _budget_or_fail(budget_id)
    try:
        tally = count(budget, rule=rule)
    except CountingError as error:
        raise click.ClickException(str(error)) from error
    projects = [{"project_id": p.project_id, "cost": p.cost, "votes": p.votes, "score": p.score,
                 "selected": p.selected} for p in tally.projects]
    if as_json:
        click.echo(json.dumps({"budget_id": budget.id, "rule": tally.rule, "projects": projects}))
        return
    click.echo(f"Budget {budget.id}, rule {tally.rule}, {tally.ballots} ballots, spent {tally.spent} "
               f"of {tally.budget}")
    for p in projects:
        click.echo(f"  {'*' if p['selected'] else ' '} {p['project_id']:>12} cost {p['cost']:>12} "
                   f"votes {p['votes']:>8} score {p['score']:>8}")


@pb.command("export")
@click.argument("budget_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the .pb file ('-' for standard output).")
@with_appcontext
def pb_export(budget_id: int, output: str) -> None:
    """Write a budget's projects and anonymous ballots as a Pabulib file."""
    from civic.budgets.pbio import export_text

    budget = _budget_or_fail(budget_id)
    # Published budgets give back exactly the published file, whose SHA-256 is on the results page.
    text = budget.publication.ballots_file if budget.publication is not None else export_text(budget)
    with click.open_file(output, "w", encoding="utf-8") as handle:
        handle.write(text)


@main.group()
def notify() -> None:
    """E-mail for notifications; run `send` every few minutes and `digest` once a day from cron."""


@contextmanager
def _public_address(base_url: str | None):
    """The operator's --base-url stands in for CIVIC_BASE_URL while this command runs (links are
    built from the setting); restored afterwards, for an app that lives on (the test suite's)."""
    config = current_app.config
    saved = config.get("CIVIC_BASE_URL")
    if base_url:
        config["CIVIC_BASE_URL"] = base_url
    try:
        yield
    finally:
        config["CIVIC_BASE_URL"] = saved


def _base_url_option(command):
    return click.option("--base-url", default=None,
                        help="The site's public address, for links in the e-mails (default: CIVIC_BASE_URL).")(command)


@notify.command("send")
@_base_url_option
@with_appcontext
def notify_send(base_url: str | None) -> None:
    """Send the immediate e-mails that are still unsent (the page hands them over; this catches the rest)."""
    from civic.core.db import utcnow
    from civic.notifications.delivery import deliver_pending

    with _public_address(base_url):
        sent = deliver_pending(None, now=utcnow())
    click.echo(f"{sent} notification e-mails sent.")


@notify.command("digest")
@_base_url_option
@with_appcontext
def notify_digest(base_url: str | None) -> None:
    """Send one digest to each person who chose a daily e-mail and has something new."""
    from civic.core.db import utcnow
    from civic.notifications.delivery import send_digests

    with _public_address(base_url):
        sent = send_digests(now=utcnow())
    click.echo(f"{sent} digests sent.")
