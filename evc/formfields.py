"""Form fields shared by the domains."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField

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
