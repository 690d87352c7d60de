"""The permission table and its building blocks. Every route declares its rule; tests fail on a
route without one.

Predicates are small functions ``(user, obj) -> bool`` combined with ``&``, ``|`` and ``~``. Each
domain declares its own rules in its ``rules`` module (``evc/<domain>/rules.py``) with
``declare``; a downstream domain may ``widen`` an upstream rule (the assessor reading evidence).
Views declare the rule they enforce with ``evc.web.permission`` (which loads the object and
checks the rule on it); templates call ``can`` to show or hide an action. This module knows the
accounts (roles, organisations) and no other domain.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_login import current_user

from evc.accounts.models import Organisation, Role, RoleOffer


class Predicate:
    def __init__(self, func: Callable, name: str | None = None):
        self.func = func
        self.name = name or func.__name__

    def __call__(self, user, obj=None) -> bool:
        return bool(self.func(user, obj))

    def __and__(self, other: Predicate) -> Predicate:
        return Predicate(lambda u, o: self(u, o) and other(u, o), f"({self.name} & {other.name})")

    def __or__(self, other: Predicate) -> Predicate:
        return Predicate(lambda u, o: self(u, o) or other(u, o), f"({self.name} | {other.name})")

    def __invert__(self) -> Predicate:
        return Predicate(lambda u, o: not self(u, o), f"~{self.name}")

    def __repr__(self) -> str:
        return self.name


def predicate(func: Callable) -> Predicate:
    return Predicate(func)


def on(attribute: str, rule: Predicate) -> Predicate:
    """Apply ``rule`` to the object's ``attribute`` (the trajectory of an evidence item, …)."""
    return Predicate(
        lambda user, obj: rule(user, getattr(obj, attribute)), f"{attribute}.{rule.name}"
    )


# --- predicates every domain uses -----------------------------------------------------------


@predicate
def is_authenticated(user, _obj) -> bool:
    """Logged in with an active account."""
    return bool(user and user.is_authenticated)


@predicate
def is_site_admin(user, _obj) -> bool:
    """The site administrator flag (manages organisations, not portfolios)."""
    return is_authenticated(user) and user.is_site_admin


@predicate
def is_coordinator_anywhere(user, _obj) -> bool:
    """Coordinator in at least one organisation."""
    return is_authenticated(user) and user.has_role(Role.COORDINATOR)


@predicate
def coordinates_organisation(user, obj) -> bool:
    """Coordinator of ``obj`` (an Organisation)."""
    return (
        is_authenticated(user)
        and isinstance(obj, Organisation)
        and Role.COORDINATOR in user.roles_in(obj.id)
    )


@predicate
def is_offer_recipient(user, obj) -> bool:
    """The account ``obj`` (a RoleOffer) was offered to: only they may answer it."""
    return is_authenticated(user) and isinstance(obj, RoleOffer) and obj.user_id == user.id


@predicate
def outbox_readable(_user, _obj) -> bool:
    """The outbox is shown in the app only while no SMTP server delivers the mail."""
    return not current_app.config.get("SMTP_HOST")


@predicate
def is_supervisor_anywhere(user, _obj) -> bool:
    """Supervisor in at least one organisation."""
    return is_authenticated(user) and user.has_role(Role.SUPERVISOR)


def _organisation_id(obj) -> int | None:
    return obj.id if isinstance(obj, Organisation) else getattr(obj, "organisation_id", None)


def has_role_in(role: Role) -> Predicate:
    """Holds ``role`` in the organisation of ``obj`` (an Organisation, protocol or clearance)."""
    return Predicate(
        lambda user, obj: is_authenticated(user) and role in user.roles_in(_organisation_id(obj)),
        f"has_role_in({role.value})",
    )


volunteers_in = has_role_in(Role.VOLUNTEER)
instructs_in = has_role_in(Role.INSTRUCTOR)
coordinates_in = has_role_in(Role.COORDINATOR)


# --- the table ------------------------------------------------------------------------------

RULES: dict[str, Predicate] = {}


def declare(rules: dict[str, Predicate]) -> None:
    """Add a domain's rules to the table; each name is declared once, by one domain."""
    for name, rule in rules.items():
        if name in RULES:
            raise KeyError(f"permission rule {name!r} is declared twice")
        RULES[name] = rule


def widen(name: str, also: Predicate) -> None:
    """Let a downstream domain add who else passes an upstream rule."""
    RULES[name] = RULES[name] | also


declare(
    {
        "dashboard.view": is_authenticated,
        "framework.view": is_authenticated,
        "account.manage_own": is_authenticated,
        "organisation.manage_members": coordinates_organisation | is_site_admin,
        "organisation.view_audit": coordinates_organisation | is_site_admin,
        # A whole account, for every organisation: never one organisation's coordinator.
        "account.block": is_site_admin,
        "offer.answer": is_offer_recipient,
        "outbox.view": (is_coordinator_anywhere | is_site_admin) & outbox_readable,
        "admin.manage_organisations": is_site_admin,
    }
)


def can(rule: str, obj=None, user=None) -> bool:
    """May ``user`` (default: the current user) do ``rule`` on ``obj``?"""
    return RULES[rule](current_user if user is None else user, obj)
