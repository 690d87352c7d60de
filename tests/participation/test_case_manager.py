"""The klantmanager (case manager) of a municipality: who reads which participation report, and
what they never see.

Karim is a klantmanager of Gemeente Utrecht, Daan's municipality; Zoë is one of Gemeente Zeist,
Olga's. Reports are issued with the clock frozen at TODAY. A report is readable by a klantmanager
only while the organisation that made the agreement shares its reports; reading it is logged for
that organisation; the mail about a new report carries a link, not the client's reference or name.

Municipalities and the klantmanager role: names typed in many ways, and who fits which
organisation.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from evc.accounts import services as accounts
from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User, role_fits
from evc.audit import AuditEntry
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.participation import services
from evc.participation.models import ParticipationAgreement
from tests import factories
from tests.participation.klantmanagers import (
    as_user,
    count,
    text,
)

# --- 1. services: municipalities and roles --------------------------------------------------------


def terms(client, contact, **overrides) -> dict:
    host_id = next(m.organisation_id for m in contact.memberships if m.role == Role.SUPERVISOR)
    data = {
        "client_id": client.id,
        "host_organisation_id": host_id,
        "host_contact_id": contact.id,
        "municipality": "Gemeente Utrecht",
        "client_reference": "KM-2026-0142",
        "regime": "reciprocity",
        "activity": "Helpen in de keuken",
        "weekly_minutes_min": 120,
        "weekly_minutes_max": 480,
        "starts_on": date(2026, 9, 1),
        "ends_on": date(2026, 12, 31),
    }
    data.update(overrides)
    return data


def municipality_count() -> int:
    return count(Organisation, Organisation.kind == OrganisationKind.MUNICIPALITY)


@pytest.mark.parametrize(
    "typed", ["Gemeente Utrecht", "utrecht", " Gemeente  Utrecht", "GEMEENTE utrecht ", "Utrecht"]
)
def test_typed_variants_of_a_name_find_the_same_municipality(org, coordinator, utrecht, typed):
    before = municipality_count()
    found = services.find_or_add_municipality(typed, actor=coordinator, organisation_id=org.id)
    assert found.id == utrecht.id and found.name == "Gemeente Utrecht"
    assert municipality_count() == before
    assert count(AuditEntry, AuditEntry.action == "participation.municipality_added") == 0


def test_an_agreement_with_a_new_municipality_adds_it_once(org, coordinator, daan, hanna, utrecht):
    first = services.create_agreement(
        org, terms(daan, hanna, municipality=" amersfoort "), actor=coordinator
    )
    db.session.commit()
    added = first.municipality
    assert added.name == "Gemeente Amersfoort" and added.kind == OrganisationKind.MUNICIPALITY
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "participation.municipality_added")
    )
    assert (entry.organisation_id, entry.actor_id, entry.object_id) == (
        org.id,
        coordinator.id,
        added.id,
    )
    assert entry.details["name"] == "Gemeente Amersfoort"
    # typed again in another way: the same organisation, no second audit row
    second = services.create_agreement(
        org, terms(daan, hanna, municipality="Gemeente Amersfoort"), actor=coordinator
    )
    db.session.commit()
    assert second.municipality_id == added.id
    assert count(AuditEntry, AuditEntry.action == "participation.municipality_added") == 1
    assert municipality_count() == 2  # Utrecht and Amersfoort


def test_a_volunteer_organisation_named_like_a_municipality_is_refused(
    org, coordinator, daan, hanna
):
    factories.organisation("Gemeente Houten")  # a volunteer organisation
    before = (
        count(Organisation),
        count(ParticipationAgreement),
        count(AuditEntry),
        count(OutboxMessage),
    )
    with pytest.raises(DomainError) as caught:
        services.create_agreement(org, terms(daan, hanna, municipality="houten"), actor=coordinator)
    assert caught.value.field == "municipality"
    message = str(caught.value.message)  # names the organisation as typed ("Gemeente houten")
    assert message.casefold() == (
        "Er is al een organisatie met de naam Gemeente Houten die geen gemeente is.".casefold()
    )
    after = (
        count(Organisation),
        count(ParticipationAgreement),
        count(AuditEntry),
        count(OutboxMessage),
    )
    assert after == before
    houten = db.session.scalar(select(Organisation).where(Organisation.name == "Gemeente Houten"))
    assert houten.kind == OrganisationKind.VOLUNTEER


def test_the_agreement_form_refuses_a_volunteer_organisation_as_municipality(
    app, org, coordinator, daan, host, hanna
):
    factories.organisation("Gemeente Houten")
    web = as_user(app, coordinator)
    data = {
        "client_id": str(daan.id),
        "host_organisation_id": str(host.id),
        "host_contact_id": str(hanna.id),
        "municipality": "Houten",
        "client_reference": "KM-2026-0142",
        "regime": "reciprocity",
        "activity": "Helpen in de keuken",
        "hours_min": "2",
        "hours_max": "8",
        "starts_on": "2026-09-01",
        "ends_on": "2026-12-31",
    }
    response = web.post_form(f"/organisaties/{org.id}/participatie/nieuw", data)
    assert response.status_code == 422
    page = text(response)
    assert "Er is al een organisatie met de naam Gemeente Houten die geen gemeente is." in page
    assert 'id="municipality-error"' in page
    assert count(ParticipationAgreement) == 0
    assert count(Organisation, Organisation.kind == OrganisationKind.MUNICIPALITY) == 0


def test_changing_the_municipality_of_an_agreement(app, agreement, coordinator, zeist):
    data = terms(agreement.client, agreement.host_contact, municipality="zeist")
    services.update_agreement(agreement, data, version_id=agreement.version_id, actor=coordinator)
    db.session.commit()
    db.session.expire_all()
    changed = db.session.get(ParticipationAgreement, agreement.id)
    assert changed.municipality_id == zeist.id and changed.municipality.name == "Gemeente Zeist"
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "participation.agreement_changed")
    )
    assert entry.details["fields"] == ["municipality_id"]
    # the coordinator's edit form now shows the new municipality
    page = text(as_user(app, coordinator).get(f"/participatie/afspraken/{agreement.id}/wijzigen"))
    assert re.search(r'name="municipality"[^>]*value="Gemeente Zeist"', page)


def test_agreement_forms_suggest_known_municipalities_only(app, org, coordinator, agreement, zeist):
    factories.organisation("Gemeente Houten")  # a volunteer organisation: not suggested
    web = as_user(app, coordinator)
    for url in (
        f"/organisaties/{org.id}/participatie/nieuw",
        f"/participatie/afspraken/{agreement.id}/wijzigen",
    ):
        page = text(web.get(url))
        assert re.search(r'<input[^>]*list="municipalities"[^>]*name="municipality"', page), url
        datalist = re.search(r'<datalist id="municipalities">(.*?)</datalist>', page, re.S)
        assert re.findall(r'<option value="([^"]+)">', datalist.group(1)) == [
            "Gemeente Utrecht",
            "Gemeente Zeist",
        ], url


@pytest.mark.parametrize(
    ("kind", "fitting"),
    [
        (OrganisationKind.MUNICIPALITY, {Role.COORDINATOR, Role.CASE_MANAGER}),
        (OrganisationKind.VOLUNTEER, set(Role) - {Role.CASE_MANAGER}),
        (OrganisationKind.HOST, set(Role) - {Role.CASE_MANAGER}),
        (OrganisationKind.ASSESSMENT, set(Role) - {Role.CASE_MANAGER}),
    ],
)
def test_which_roles_fit_which_organisation(kind, fitting):
    assert {role for role in Role if role_fits(kind, role)} == fitting


def test_a_case_manager_cannot_be_invited_into_a_volunteer_organisation(org, coordinator):
    before = (count(User), count(Membership), count(AuditEntry), count(OutboxMessage))
    with pytest.raises(DomainError) as caught:
        accounts.invite_member(
            org,
            email="km@example.org",
            display_name="Kim",
            role=Role.CASE_MANAGER,
            language="nl",
            actor=coordinator,
        )
    assert caught.value.field == "role"
    assert str(caught.value.message) == (
        "Een klantmanager hoort bij een gemeente, niet bij deze organisatie."
    )
    assert (count(User), count(Membership), count(AuditEntry), count(OutboxMessage)) == before


def test_a_volunteer_cannot_be_invited_into_a_municipality(utrecht, karim):
    site_admin = factories.user(site_admin=True)
    before = (count(User), count(Membership), count(OutboxMessage))
    with pytest.raises(DomainError) as caught:
        accounts.invite_member(
            utrecht,
            email="vera@example.org",
            display_name="Vera",
            role=Role.VOLUNTEER,
            language="nl",
            actor=site_admin,
        )
    assert str(caught.value.message) == (
        "Bij een gemeente kun je alleen coördinatoren en klantmanagers toevoegen."
    )
    assert (count(User), count(Membership), count(OutboxMessage)) == before
    # an existing klantmanager cannot get a second, unfitting role there either
    with pytest.raises(DomainError):
        accounts.add_role(karim, utrecht, Role.SUPERVISOR, actor=site_admin)
    assert karim.roles_in(utrecht.id) == {Role.CASE_MANAGER}


def test_a_case_manager_is_invited_into_a_municipality(utrecht):
    site_admin = factories.user(site_admin=True)
    accounts.invite_member(
        utrecht,
        email="kim@utrecht.example",
        display_name="Kim Klant",
        role=Role.CASE_MANAGER,
        language="nl",
        actor=site_admin,
    )
    db.session.commit()
    person = accounts.find_user_by_email("kim@utrecht.example")
    assert person.roles_in(utrecht.id) == {Role.CASE_MANAGER}
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == person.id))
    assert mail.kind == "invitation" and "Gemeente Utrecht" in mail.subject
