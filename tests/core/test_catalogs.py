"""The catalogs agree with the code: no string missing, none untranslated, none fuzzy."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from civic.config import LANGUAGES
from civic.translate import catalog_path, extract


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    extract(pot)
    with pot.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def _catalog(language):
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_matches_the_code(language, source_ids):
    catalog_ids = {message.id for message in _catalog(language) if message.id}
    missing = sorted(str(m) for m in source_ids - catalog_ids)
    stale = sorted(str(m) for m in catalog_ids - source_ids)
    assert not missing, f"strings missing from {language} (run `civic translate update`): {missing}"
    assert not stale, f"strings no longer in the code, still in {language}: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(language):
    catalog = _catalog(language)
    assert not catalog.fuzzy, f"{language} catalog header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings) or len(strings) != (catalog.num_plurals if message.pluralizable else 1):
            problems.append(str(message.id))
    assert not problems, f"untranslated or fuzzy in {language}: {problems}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match(language):
    catalog = _catalog(language)
    errors = [(str(message.id), str(error)) for message, errors in catalog.check() for error in errors]
    assert not errors, errors


def test_every_template_with_strings_is_extracted():
    """Babel silently skips a template it cannot parse; a skipped template is never translated."""
    from babel.messages.extract import extract_from_file
    from babel.messages.frontend import parse_mapping_cfg

    from civic import ROOT

    with (ROOT / "babel.cfg").open() as handle:
        _methods, options = parse_mapping_cfg(handle)
    skipped = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in {".html", ".txt"} or "_(" not in path.read_text():
            continue
        pattern = f"templates/**{path.suffix}"
        found = list(extract_from_file("jinja2", str(path), keywords={"_": None, "ngettext": (1, 2)},
                                       options=options.get(pattern, {})))
        if not found:
            skipped.append(str(path.relative_to(ROOT)))
    assert not skipped, f"Babel extracts nothing from {skipped}: check babel.cfg extensions"
