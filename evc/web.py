"""The request shape, built once: who acts, which object a URL names, and the save step.

Every screen follows **declare → load → validate → service → commit → mail → flash → redirect**:

- ``@permission(rule, load=LOADER)`` declares the rule the view enforces. It loads the object
  the URL names through ``LOADER`` and checks ``rule`` on it, before the view runs: a missing or
  forbidden object is a 404 (nobody learns what exists), a rule without an object answers 403.
  When the person may see the object (``LOADER.seen``) but not do this, they are sent back to
  it with ``refusal`` as the message. The view receives the loaded object.
- ``save(form, action, page)`` runs the write: an invalid form or a ``DomainError`` shows the
  page again with 422 and the error next to its field; a stale save shows 409 with what is
  stored; otherwise it commits, sends the mail queued in the transaction and follows ``done``.
- ``press(action, back)`` is the same for a button (a form with only the CSRF token).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from evc.errors import ConcurrentEdit, DomainError
from evc.extensions import db, login_manager
from evc.formfields import EmptyForm
from evc.mail import send_pending
from evc.permissions import RULES, can


def actor():
    """The person acting in this request (the real object, not the proxy)."""
    return current_user._get_current_object()


# --- loading the object a URL names ------------------------------------------------------------


@dataclass(frozen=True)
class Loader:
    """How a URL parameter becomes an object: ``model`` by primary key with ``options``.

    ``seen`` is the rule under which a person may look at the object; when it holds but the
    view's rule does not, the person is sent to ``back(obj)`` with the view's refusal."""

    model: type
    param: str
    options: tuple = ()
    seen: str | None = None
    back: Callable[[Any], str] | None = None

    def get(self, key) -> Any:
        obj = db.session.get(self.model, key, options=list(self.options))
        if obj is None:
            abort(404)
        return obj


def permission(rule: str, load: Loader | None = None, *, refusal=None):
    """Declare the rule a view enforces, and enforce it (with the object ``load`` names)."""
    if rule not in RULES:
        raise KeyError(f"unknown permission rule {rule!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if load is None:
                return view(*args, **kwargs) if can(rule) else abort(403)
            obj = load.get(kwargs.pop(load.param))
            if can(rule, obj):
                return view(obj, *args, **kwargs)
            return _denied(load, obj, refusal)

        wrapped.permission_rule = rule  # type: ignore[attr-defined]
        wrapped.permission_load = load  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _denied(load: Loader, obj, refusal):
    seen, back = load.seen, load.back
    if refusal is not None and seen is not None and back is not None and can(seen, obj):
        return refuse(refusal, back(obj))
    abort(404)


def public(view):
    """Declare a view open to everyone (login page, invitation links, verification)."""
    view.permission_rule = "public"
    return view


def token_authenticated(view):
    """Declare a view for machines (scheduling tools): no login and no CSRF; the view itself
    checks a bearer token and answers only within the token's organisation."""
    view.permission_rule = "token"
    return view


def get_or_404(model: type, key, *, where: Callable[[Any], bool] = lambda _obj: True, options=()):
    """A second object a view needs (a member of the organisation it loaded, say); 404 when it
    is missing or ``where(obj)`` does not hold."""
    obj = db.session.get(model, key, options=list(options))
    if obj is None or not where(obj):
        abort(404)
    return obj


# --- the answer -------------------------------------------------------------------------------


def refuse(message, url: str) -> Response:
    """The person may see this but cannot do it now: back to ``url`` with the reason."""
    flash(str(message), "error")
    return redirect(url)


@dataclass
class Done:
    """Where a successful write goes, and what it tells the person there."""

    url: str
    message: Any = None
    category: str = "success"

    def respond(self) -> Response:
        if self.message is not None:
            flash(str(self.message), self.category)
        return redirect(self.url)


def done(url: str, message=None, category: str = "success") -> Done:
    return Done(url, message, category)


@dataclass
class Page:
    """A template and its context, rendered with the status the save step decides."""

    template: str
    context: dict = field(default_factory=dict)

    def render(self, status: int = 200, **extra):
        return render_template(self.template, **self.context, **extra), status


def page(template: str, **context) -> Page:
    return Page(template, context)


def apply_form_error(form, error: DomainError) -> None:
    """Show a DomainError next to its field, or at the top when it has none. An error about one
    row of a list (field ``goals-2-title``) is shown beside that row's field and at the top."""
    target = getattr(form, error.field, None) if error.field else None
    row_field = None if target is not None else _row_field(form, error.field)
    for shown in (target, row_field):
        if shown is not None:
            shown.errors = [*shown.errors, error.message]
    if target is None:
        form.form_errors.append(error.message)


def _row_field(form, name: str | None):
    """The field ``<list>-<n>-<name>`` of a row in a FieldList of forms, if there is one."""
    parts = (name or "").split("-")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    rows = getattr(getattr(form, parts[0], None), "entries", [])
    if int(parts[1]) >= len(rows):
        return None
    return getattr(getattr(rows[int(parts[1])], "form", None), parts[2], None)


def stored_version(form, model: type[Any], **where):
    """After a refused stale save: what is stored now (read fresh), and the form's version set to
    it, so the next save builds on the version the person has now seen."""
    query = select(model).filter_by(**where).execution_options(populate_existing=True)
    current = db.session.scalar(query)
    if current is not None:
        form.version_id.data = current.version_id
        form.version_id.raw_data = [str(current.version_id)]
    return current


def commit() -> None:
    """End the request's transaction: commit, then send the mail queued inside it."""
    db.session.commit()
    send_pending()


# --- the save step ----------------------------------------------------------------------------


def save(form, action: Callable[[], Done | Response], view: Page, *, conflict=None):
    """GET shows ``view``; a valid POST runs ``action`` (which calls the service and returns
    ``done(...)``) and commits. Refusals show ``view`` again: 422 for an invalid form or a
    ``DomainError``, 409 for a stale save, with ``conflict()`` (what is stored) in the page."""
    if not form.is_submitted():
        return view.render()
    if not form.validate():
        return view.render(422)
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        apply_form_error(form, error)
        return _refused(view, error, conflict)
    commit()
    return result.respond() if isinstance(result, Done) else result


def _refused(view: Page, error: DomainError, conflict):
    if isinstance(error, ConcurrentEdit) and conflict is not None:
        return view.render(409, conflict=conflict())
    return view.render(409 if isinstance(error, ConcurrentEdit) else 422)


def press(action: Callable[[], Done | Response], back: str, form=None, *, invalid=None):
    """A button or a one-field form posted from another page: when it does not validate, 400
    (or the ``invalid`` message on ``back``); a ``DomainError`` is shown as a message on
    ``back``; else commit and follow ``done``."""
    if not (form or EmptyForm()).validate_on_submit():
        return abort(400) if invalid is None else refuse(invalid, back)
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        return refuse(error.message, back)
    commit()
    return result.respond() if isinstance(result, Done) else result


def attempt(action: Callable[[], Any], refused: Callable[[DomainError], Any]):
    """Run ``action`` without committing; a ``DomainError`` rolls back and becomes
    ``refused(error)`` (a reading view whose service can refuse, such as a badge download)."""
    try:
        return action()
    except DomainError as error:
        db.session.rollback()
        return refused(error)
