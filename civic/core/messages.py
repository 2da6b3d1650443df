"""Lazy translated messages that escape what is formatted into them. Every area imports `_l` from here.

flask-babel's `lazy_gettext` returns a LazyString whose `__html__` is the formatted text itself, so
Jinja, markupsafe, WTForms labels and the session's flash serializer all take it as safe HTML: a project
title or a CSV value formatted into an error reached the page as markup. A `LazyMessage` is the same
lazy, per-reader translation, but as HTML its translation is text and every parameter is escaped;
`str()` stays the plain text for logs, CSV files and text/plain e-mails.
"""

from __future__ import annotations

from flask_babel import get_domain
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class LazyMessage(LazyString):
    """A message translated when it is used, in the language of whoever reads it then."""

    def __init__(self, translate, *args, variables: dict):
        # `translate(*args)` gives the catalog's text for the current locale, unformatted.
        super().__init__(translate, *args)
        self._variables = variables

    def _translated(self) -> str:
        return self._func(*self._args)

    def __str__(self) -> str:
        text = self._translated()
        # As flask-babel: only a message with parameters goes through %, so "100%" alone stays as it is.
        return text % self._variables if self._variables else text

    def __html__(self) -> Markup:
        # Markup's % escapes each parameter (a nested LazyMessage through its own __html__).
        text = escape(self._translated())
        return text % self._variables if self._variables else text


def _gettext(string: str) -> str:
    return get_domain().get_translations().ugettext(string)


def _ngettext(singular: str, plural: str, num: int) -> str:
    return get_domain().get_translations().ungettext(singular, plural, num)


def lazy_gettext(string: str, **variables) -> LazyMessage:
    return LazyMessage(_gettext, string, variables=variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyMessage:
    # `num` is a parameter too, as in flask-babel, so "%(num)d projects" needs no num=.
    return LazyMessage(_ngettext, singular, plural, num, variables={"num": num, **variables})
