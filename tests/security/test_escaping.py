"""User text inside translated messages is escaped on every page that shows it (issue 10, finding 5).

flask-babel's lazy strings declare themselves safe HTML (`LazyString.__html__` returns the formatted text
as is), so a title or a CSV value formatted into one reached the page as markup. `civic.core.messages`
escapes the parameters; these tests send the hostile text through the real pages, and the scans below
keep the unsafe routes from coming back.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
from pathlib import Path

import pytest
from flask import render_template_string
from markupsafe import Markup, escape

from civic.core import messages
from tests.budgets.conftest import make_budget, make_voter  # noqa: F401  (shared fixtures)
from tests.plans.conftest import make_plan  # noqa: F401  (make_proposal needs these two)
from tests.processes.conftest import make_process  # noqa: F401
from tests.proposals.conftest import make_proposal  # noqa: F401

# What the finding saw fire in Chromium despite the CSP: a redirect written into a title.
REFRESH = '<meta http-equiv="refresh" content="0;url=https://evil.example">'
ROOT = Path(__file__).resolve().parents[2]


def assert_escaped(page: str, text: str = REFRESH) -> None:
    assert text not in page
    assert str(escape(text)) in page


def _rename(db, project, title: str) -> None:
    project.titles = {**project.titles, project.original_language: title}
    db.session.commit()


def test_a_ranked_ballot_error_escapes_the_project_title(client, db, login_as, make_budget, make_voter):
    budget = make_budget(ballot_kind="ranked", max_ranks=3)
    first, second = budget.projects[:2]
    _rename(db, first, REFRESH)
    _rename(db, second, "<b>x</b>")
    make_voter(user=login_as())
    response = client.submit(f"/budgets/{budget.id}/ballot",
                             {f"rank-{first.id}": "1", f"rank-{second.id}": "1", "action": "vote"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "place 1 is already given to another project" in page
    assert_escaped(page)
    assert_escaped(page, "<b>x</b>")


def test_the_live_ballot_summary_escapes_the_project_title(client, db, login_as, make_budget, make_voter):
    budget = make_budget(ballot_kind="cumulative", max_points_per_project=3, max_points_total=5)
    project = budget.projects[0]
    _rename(db, project, REFRESH)
    make_voter(user=login_as())
    response = client.submit(f"/budgets/{budget.id}/ballot/summary", {f"points-{project.id}": "4"})
    page = response.get_data(as_text=True)
    assert "you can give at most 3 points to one project" in page
    assert_escaped(page)


def test_the_cost_error_escapes_the_proposal_title(client, db, login_as, make_budget, make_proposal):
    budget = make_budget(window="upcoming")  # projects can still be added
    proposal = make_proposal(title=REFRESH)  # a resident's title, as typed
    proposal.process, proposal.status = budget.process, "accepted"
    db.session.commit()
    login_as("staff")
    url = f"/staff/budgets/{budget.id}/from-proposals"
    assert_escaped(client.get(url).get_data(as_text=True))  # the form's labels
    response = client.submit(url, {f"use-{proposal.id}": "y", f"cost-{proposal.id}": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "greater than zero and within the budget" in page
    assert_escaped(page)


def test_the_outcome_import_report_escapes_the_file_contents(client, login_as):
    login_as("staff")
    csv = f'outcome_id,date,text\n"{REFRESH.replace(chr(34), chr(34) * 2)}",2026-01-01,Done\n'.encode()
    response = client.submit("/staff/outcomes/import", {"file": (io.BytesIO(csv), "updates.csv")},
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "Line 2: No outcome has the number" in page
    assert_escaped(page)


def test_the_eligibility_import_report_escapes_the_district_name(client, login_as):
    login_as("staff")
    csv = b"document_number,district\nAA-1,<b>x</b>\n"
    response = client.submit("/staff/voters/", {"form": "list", "list-file": (io.BytesIO(csv), "list.csv")},
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "Line 2: Unknown district: &lt;b&gt;x&lt;/b&gt;." in page
    assert_escaped(page, "<b>x</b>")


def test_a_flashed_lazy_message_stays_escaped(app, ctx):
    # A flash travels in the session cookie, whose serializer turns anything with __html__ into Markup.
    serializer = app.session_interface.get_signing_serializer(app)
    message = messages.lazy_gettext("Unknown district: %(name)s.", name=REFRESH)
    flashed = serializer.loads(serializer.dumps({"_flashes": [("error", message)]}))["_flashes"][0][1]
    assert flashed == Markup("Unknown district: %s.") % REFRESH


# --- The helper itself --------------------------------------------------------------------------------


def test_a_lazy_message_is_plain_text_as_str_and_escaped_as_html(ctx):
    message = messages.lazy_gettext("Chosen: %(title)s.", title="<b>x</b> & co")
    assert str(message) == "Chosen: <b>x</b> & co."  # logs, CSV files, text/plain e-mails
    assert escape(message) == Markup("Chosen: &lt;b&gt;x&lt;/b&gt; &amp; co.")
    assert Markup(message) == escape(message)  # Markup() of it cannot smuggle the tag through either
    assert Markup("<p>%s</p>") % message == Markup("<p>Chosen: &lt;b&gt;x&lt;/b&gt; &amp; co.</p>")
    assert message == "Chosen: <b>x</b> & co." and "<b>" in message


def test_the_plural_form_escapes_too(ctx):
    plural = messages.lazy_ngettext("%(title)s: at most %(num)d point.", "%(title)s: at most %(num)d points.", 3,
                                    title="<i>")
    assert str(plural) == "<i>: at most 3 points." and escape(plural) == Markup("&lt;i&gt;: at most 3 points.")
    assert escape(messages.lazy_ngettext("%(num)d project", "%(num)d projects", 1)) == Markup("1 project")


def test_a_message_without_parameters_is_not_formatted(ctx):
    # As flask-babel's gettext: only a message with parameters goes through %.
    assert str(messages.lazy_gettext("100%")) == "100%" and escape(messages.lazy_gettext("100%")) == "100%"
    assert escape(messages.lazy_gettext("Terms & conditions")) == Markup("Terms &amp; conditions")


def test_a_lazy_message_follows_the_reader_language(app):
    message = messages.lazy_gettext("Choose one project.")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        french = str(message)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(message) == "Choose one project."
    assert french != "Choose one project."


def test_template_gettext_escapes_its_parameters(ctx):
    # Jinja's newstyle gettext formats into Markup, so `_()` in templates escapes plain and lazy params.
    lazy = messages.lazy_gettext("Unknown district: %(name)s.", name="<b>x</b>")
    page = render_template_string("{{ _('Line %(line)d: %(reason)s', line=2, reason=reason) }}|"
                                  "{{ _('Line %(line)d: %(reason)s', line=3, reason=lazy) }}",
                                  reason="<b>y</b>", lazy=lazy)
    assert page == "Line 2: &lt;b&gt;y&lt;/b&gt;|Line 3: Unknown district: &lt;b&gt;x&lt;/b&gt;."


# --- Scans of the code and the templates --------------------------------------------------------------

# The only module that may build lazy strings from flask_babel: the helper that escapes them.
HELPER = "civic/core/messages.py"
LAZY_NAMES = {"lazy_gettext", "lazy_ngettext", "lazy_pgettext", "lazy_npgettext"}
GETTEXT_NAMES = {"gettext", "ngettext", "pgettext", "npgettext", "_", "_l", *LAZY_NAMES}
# Filters that return Markup on purpose, each reviewed: rich_text is the bleach allow-list of
# civic/core/sanitize.py, bdi wraps escaped text in <bdi>. Nothing else may mark text safe.
SAFE_FILTERS = {"rich_text", "bdi"}


def _python_modules():
    return sorted(path for path in (ROOT / "civic").rglob("*.py"))


def _called_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        function = node.func
        return function.id if isinstance(function, ast.Name) else \
            function.attr if isinstance(function, ast.Attribute) else None
    return None


def _formats_a_message(node: ast.AST) -> bool:
    """A gettext call with parameters, or a translated text formatted by %, .format() or an f-string."""
    if _called_name(node) in GETTEXT_NAMES:
        return bool(node.keywords) or len(node.args) > 1
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _called_name(node.left) in GETTEXT_NAMES
    if _called_name(node) == "format" and isinstance(node.func, ast.Attribute):
        return _called_name(node.func.value) in GETTEXT_NAMES
    if isinstance(node, ast.JoinedStr):
        return any(_called_name(part.value) in GETTEXT_NAMES for part in node.values
                   if isinstance(part, ast.FormattedValue))
    return False


def unsafe_python(source: str, relative: str) -> list[str]:
    """Lazy gettext taken from flask_babel around the helper, and Markup() around a message with params."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=relative)):
        line = getattr(node, "lineno", 0)
        if relative == HELPER:
            break
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("flask_babel", "speaklater")):
            found += [(line, f"imports {alias.name} from {node.module}")
                      for alias in node.names if alias.name in LAZY_NAMES or alias.name == "*"]
        elif isinstance(node, ast.Attribute) and node.attr in LAZY_NAMES:
            found.append((line, f"uses .{node.attr}"))
        elif _called_name(node) == "LazyString":  # naming the type (in an annotation) is fine
            found.append((line, "builds a LazyString"))
        elif _called_name(node) == "Markup" and node.args and _formats_a_message(node.args[0]):
            found.append((line, "calls Markup() on a translated message with parameters"))
    return [f"{relative}:{line} {problem}" for line, problem in sorted(found)]


def test_no_module_builds_lazy_strings_or_markup_around_the_helper():
    problems = [problem for path in _python_modules()
                for problem in unsafe_python(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert problems == []


def test_the_python_scan_catches_what_it_is_for():
    sample = ("from flask_babel import lazy_gettext as _l\nimport flask_babel\nfrom markupsafe import Markup\n"
              "a = flask_babel.lazy_ngettext('x', 'y', 2)\n"
              "b = Markup(_('Hi %(n)s', n=name))\nc = Markup(_('Hi %s') % name)\n"
              "d = Markup(gettext('Hi {}').format(name))\ne = Markup(f\"<b>{_('Hi')}</b>{name}\")\n"
              "f = Markup(_('plain'))\ng = Markup('<b>{}</b>').format(_('Hi %(n)s', n=name))\n"
              "h = LazyString(str, 'x')\n")
    assert unsafe_python(sample, "civic/sample.py") == [
        "civic/sample.py:1 imports lazy_gettext from flask_babel", "civic/sample.py:4 uses .lazy_ngettext",
        *[f"civic/sample.py:{line} calls Markup() on a translated message with parameters" for line in (5, 6, 7, 8)],
        "civic/sample.py:11 builds a LazyString"]
    assert unsafe_python(sample, HELPER) == []


# Ways a template can switch escaping off. No template needs one: user HTML is shown through
# `|rich_text` (bleach), names through `|bdi`; both return Markup themselves, so `|safe` is never allowed.
_UNSAFE_TEMPLATE = re.compile(r"\|\s*safe\b|\bautoescape\s+false\b|\bfilter\s+safe\b|\bMarkup\b")


def unsafe_templates(text: str) -> list[str]:
    return [match.group(0) for match in _UNSAFE_TEMPLATE.finditer(text)]


def test_no_template_turns_escaping_off():
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        problems += [f"{path.relative_to(ROOT)}: {use}" for use in unsafe_templates(path.read_text(encoding="utf-8"))]
    assert problems == []


def test_the_filters_that_return_markup_are_the_reviewed_ones(app):
    # A filter that returns Markup bypasses autoescaping like |safe does; a new one is reviewed, then listed.
    returning_markup = {name for name, function in app.jinja_env.filters.items()
                        if function.__module__.startswith("civic") and "Markup" in inspect.getsource(function)}
    assert returning_markup == SAFE_FILTERS


@pytest.mark.parametrize("text, found", [("{{ x|safe }}", ["|safe"]), ("{{ x | safe }}", ["| safe"]),
                                         ("{% autoescape false %}", ["autoescape false"]),
                                         ("{% filter safe %}", ["filter safe"]), ("{{ Markup(x) }}", ["Markup"]),
                                         ("{{ x|rich_text }} {{ y|bdi }} {{ z|e }} {{ safe_next }}", [])])
def test_the_template_scan_catches_what_it_is_for(text, found):
    assert unsafe_templates(text) == found


def test_every_area_gets_its_lazy_strings_from_the_helper():
    # The mechanical half of the scan: every module that uses `_l` imports it from the helper.
    missing = []
    for path in _python_modules():
        source = path.read_text(encoding="utf-8")
        if re.search(r"\b_l\(", source) and path.relative_to(ROOT).as_posix() != HELPER and \
                "from civic.core.messages import" not in source:
            missing.append(path.relative_to(ROOT).as_posix())
    assert missing == []


def test_the_helper_is_found_by_the_catalog_extraction():
    from civic.translate import KEYWORDS

    assert {"_l", "lazy_gettext", "lazy_ngettext:1,2"} <= set(KEYWORDS)
