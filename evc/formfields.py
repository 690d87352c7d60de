"""Form fields shared by the domains."""

from __future__ import annotations

from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField

# types-WTForms 3.2 predates SelectChoice (WTForms 3.3): the forms take it from here.
from wtforms.fields.choices import SelectChoice as SelectChoice  # type: ignore[attr-defined]

T = TypeVar("T")

DATE_INVALID = _l("Vul een geldige datum in, bijvoorbeeld 15-03-2026.")


class FriendlyDateField(DateField):
    """A date field whose "not a date" message is our own plain sentence, not WTForms' text."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(DATE_INVALID)) from error


class EmptyForm(FlaskForm):
    """For buttons that only POST (logout, block, resend): carries the CSRF token."""


def person_choices(prompt, people) -> list[tuple[int, str]]:
    """A select of people: ``prompt`` first (0, nobody chosen yet), then each person by name."""
    return [(0, prompt)] + [(person.id, person.display_name) for person in people]


def filled(value: T | None) -> T:
    """The data of a required field on a validated form: its validator refused an empty one.

    WTForms types every field's data as optional, because a form that was not posted has none.
    """
    if value is None:
        raise ValueError("a required form field is empty after validation")
    return value
