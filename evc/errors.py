"""User-facing domain errors and the HTTP error pages (403/404/405/413/429/500)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError

from evc.db import VersionMixin
from evc.extensions import db


class DomainError(Exception):
    """A rule of the domain refused an action. ``message`` is translated and shown to the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class ConcurrentEdit(DomainError):
    """Someone else saved the same record since this form was opened."""


def stale_edit() -> ConcurrentEdit:
    """The one message for a refused stale save, wherever it happens."""
    from flask_babel import gettext

    return ConcurrentEdit(
        gettext(
            "Iemand anders heeft dit intussen opgeslagen. Jouw wijzigingen zijn "
            "niet opgeslagen. Bekijk de nieuwe versie en voer je wijzigingen "
            "opnieuw in."
        )
    )


def refuse_if_stale(stored: VersionMixin | None, version_id: int | None) -> None:
    """A form read at ``version_id`` may save over ``stored`` (None: nothing saved yet) only
    when nobody saved since; otherwise the one stale-save refusal."""
    if stored is None:
        if version_id:  # the form showed a saved version, which someone removed meanwhile
            raise stale_edit()
    elif version_id != stored.version_id:
        raise stale_edit()


def flush_or_stale() -> None:
    """Flush the session; a version check that fails becomes the one stale-save refusal."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise stale_edit() from error


def flush_or_refuse(refusal: DomainError) -> None:
    """Flush in a savepoint: when a concurrent save took the same unique place first, the
    database refuses the row and the person reads ``refusal``."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise refusal from error


ERROR_TEXTS = {
    400: (
        _l("Ongeldig verzoek"),
        _l(
            "Het formulier was verlopen of onvolledig. Ga terug, "
            "laad de pagina opnieuw en probeer het nog eens."
        ),
    ),
    403: (
        _l("Geen toegang"),
        _l(
            "Je hebt geen toegang tot deze pagina. Denk je dat dit niet "
            "klopt? Vraag het aan de coördinator van je organisatie."
        ),
    ),
    404: (
        _l("Pagina niet gevonden"),
        _l(
            "Deze pagina bestaat niet of je hebt er geen toegang "
            "toe. Controleer het adres of ga naar het overzicht."
        ),
    ),
    405: (
        _l("Niet toegestaan"),
        _l(
            "Dit adres is niet bedoeld voor wat je probeerde. "
            "Ga terug en gebruik de knoppen op de pagina."
        ),
    ),
    413: (
        _l("Bestand te groot"),
        _l("Wat je verstuurde is te groot. Kies een kleiner bestand en probeer het opnieuw."),
    ),
    429: (
        _l("Te veel pogingen"),
        _l("Je hebt dit te vaak geprobeerd. Wacht even en probeer het daarna opnieuw."),
    ),
    500: (
        _l("Er ging iets mis"),
        _l(
            "Er ging bij ons iets mis. Er is niets opgeslagen van deze "
            "actie. Probeer het later opnieuw."
        ),
    ),
}


def render_error(code: int):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template("errors/error.html", code=code, title=title, text=text), code


def init_app(app) -> None:
    def handle_http(exc: HTTPException):
        code = exc.code or 500
        if code not in ERROR_TEXTS or isinstance(exc, SecurityError):
            return exc  # also a host not served (TRUSTED_HOSTS): no page of ours, no links
        return render_error(code)

    # Unexpected exceptions become a 500 (Flask logs them; the session teardown rolls back).
    app.register_error_handler(HTTPException, handle_http)
