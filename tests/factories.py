"""Factories: small functions that create valid records with sensible defaults."""

from __future__ import annotations

import itertools
from functools import cache

import pytest

from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from evc.accounts.passwords import hash_password
from evc.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@cache
def _password_hash(password: str) -> str:
    return hash_password(password)


def organisation(name: str | None = None, kind: OrganisationKind = OrganisationKind.VOLUNTEER):
    org = Organisation(name=name or f"Organisatie {next(_seq)}", kind=kind)
    db.session.add(org)
    db.session.commit()
    return org


def user(
    *roles: tuple[Organisation, Role] | Role,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
    language: str = "nl",
    active: bool = True,
    site_admin: bool = False,
    org: Organisation | None = None,
) -> User:
    """A user with roles, each as ``(organisation, role)`` or a bare role in ``org``."""
    n = next(_seq)
    person = User(
        email=email or f"persoon{n}@example.org",
        display_name=name or f"Persoon {n}",
        language=language,
        password_hash=_password_hash(password) if password else None,
        is_active_account=active,
        is_site_admin=site_admin,
    )
    db.session.add(person)
    db.session.flush()
    for item in roles:
        organisation_, role = item if isinstance(item, tuple) else (org, item)
        assert organisation_ is not None, "give org= for bare roles"
        db.session.add(Membership(user_id=person.id, organisation_id=organisation_.id, role=role))
    db.session.commit()
    db.session.refresh(person)
    _ = [m.organisation for m in person.memberships]  # loaded now: usable after requests too
    return person


@pytest.fixture
def org(app):
    return organisation("Vrijwilligerscentrum Test")


@pytest.fixture
def other_org(app):
    return organisation("Andere Organisatie")


@pytest.fixture
def coordinator(org):
    return user(Role.COORDINATOR, org=org, email="coordinator@test.example", name="Cor Coördinator")


@pytest.fixture
def volunteer(org):
    return user(
        Role.VOLUNTEER, org=org, email="vrijwilliger@test.example", name="Vera Vrijwilliger"
    )
