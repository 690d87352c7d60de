"""Screens of protocols and clearances for every role, allowed and denied; the JSON check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from evc.accounts.models import Role
from evc.audit import AuditEntry
from evc.extensions import db
from evc.portfolio.models import EvidenceItem
from evc.procedure.phases import Phase
from evc.protocols import services
from evc.protocols.models import (
    ApiToken,
    Clearance,
    ClearanceStatus,
    ReservedActAuthorisation,
    TaskProtocol,
    VolunteerVog,
)
from evc.protocols.status import add_months
from tests import factories
from tests.protocols.conftest import DAY, granted, prepared


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["TODAY"] = lambda: DAY


@pytest.fixture
def walking(library):
    return library["walking_support"]


@pytest.fixture
def outsider(other_org):
    """An instructor and coordinator of another organisation."""
    return factories.user(
        (other_org, Role.INSTRUCTOR), (other_org, Role.COORDINATOR), name="Otto Buiten"
    )


def html(response) -> str:
    return response.get_data(as_text=True)


# --- start page and protocols --------------------------------------------------------------


def test_volunteer_sees_own_clearances_and_no_one_elses(web, org, volunteer, instructor, walking):
    granted(org, volunteer, walking, instructor)
    other = factories.user(Role.VOLUNTEER, org=org, name="Olga Ander")
    web.login(volunteer.email)
    page = html(web.get("/bevoegdheden"))
    assert "Ondersteunen bij lopen" in page and "Bevoegd" in page
    web.client.post("/logout")
    web2 = type(web)(web.client.application.test_client())
    web2.login(other.email)
    assert "Ondersteunen bij lopen" not in html(web2.get("/bevoegdheden"))


def test_people_without_these_roles_have_no_clearances_page(web, org):
    supervisor = factories.user(Role.SUPERVISOR, org=org)
    web.login(supervisor.email)
    assert web.get("/bevoegdheden").status_code == 403


def test_protocol_pages_for_members_only(web, org, volunteer, outsider, walking):
    web.login(volunteer.email)
    assert "Ondersteunen bij lopen" in html(web.get(f"/organisaties/{org.id}/protocollen"))
    page = html(web.get(f"/protocollen/{walking.id}"))
    assert "Je loopt aan de zwakke kant" in page
    assert "Nieuwe versie maken" not in page
    other = type(web)(web.client.application.test_client())
    other.login(outsider.email)
    assert other.get(f"/organisaties/{org.id}/protocollen").status_code == 404
    assert other.get(f"/protocollen/{walking.id}").status_code == 404


def test_coordinator_imports_the_library_and_others_may_not(web, org, coordinator, instructor):
    web.login(instructor.email)
    response = web.post_form(
        f"/organisaties/{org.id}/protocollen/voorbeelden", form_url="/bevoegdheden"
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(TaskProtocol.id))) == 0
    coordinator_web = type(web)(web.client.application.test_client())
    coordinator_web.login(coordinator.email)
    response = coordinator_web.post_form(
        f"/organisaties/{org.id}/protocollen/voorbeelden", form_url="/bevoegdheden"
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(TaskProtocol.id))) == 7


PROTOCOL_FORM = {
    "key": "bed_opmaken",
    "title": "Helpen met het bed opmaken",
    "description": "Je helpt een medewerker met het opmaken van een bed.",
    "setting": "Verpleeghuis",
    "risk_level": "low",
    "validity_months": "24",
    "instructed_by": "Een verzorgende",
    "know": "Je doet het altijd met z'n tweeën.\nJe let op je rug.",
    "skills": "Een laken strak leggen.",
    "equipment": "Schone lakens",
    "vog": "",
    "stop_and_call": "De cliënt ligt nog in bed.",
}


def test_coordinator_adds_a_protocol_in_the_app(web, org, coordinator):
    web.login(coordinator.email)
    url = f"/organisaties/{org.id}/protocollen/nieuw"
    response = web.post_form(url, PROTOCOL_FORM)
    assert response.status_code == 302, html(response)
    protocol = db.session.scalar(select(TaskProtocol).where(TaskProtocol.key == "bed_opmaken"))
    version = services.current_version(protocol)
    assert version.know == ["Je doet het altijd met z'n tweeën.", "Je let op je rug."]
    assert version.resources == [{"kind": "equipment", "text": "Schone lakens"}]
    again = web.post_form(url, PROTOCOL_FORM)  # the same code twice
    assert again.status_code == 422
    assert "Er is al een protocol met de code bed_opmaken" in html(again)
    bad = web.post_form(url, {**PROTOCOL_FORM, "key": "Met Spatie", "skills": ""})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(TaskProtocol.id))) == 1


def test_instructor_may_not_add_protocols(web, org, instructor):
    web.login(instructor.email)
    assert web.get(f"/organisaties/{org.id}/protocollen/nieuw").status_code == 404


def test_new_version_marks_clearances_for_reacknowledgement(
    web, org, coordinator, volunteer, instructor, walking
):
    granted(org, volunteer, walking, instructor)
    web.login(coordinator.email)
    url = f"/protocollen/{walking.id}/nieuwe-versie"
    page = html(web.get(url))
    assert "Je loopt aan de zwakke kant" in page  # filled from the current version
    current = services.current_version(walking)
    form = {
        "key": walking.key,
        "title": current.title,
        "description": current.description,
        "setting": current.setting,
        "risk_level": current.risk_level.value,
        "validity_months": str(current.validity_months),
        "instructed_by": current.instructed_by,
        "know": "\n".join([*current.know, "Je vraagt hulp bij gladheid."]),
        "skills": "\n".join(current.skills),
        "equipment": "Rollator",
        "stop_and_call": "\n".join(current.stop_and_call),
        "version_id": str(walking.version_id),
    }
    assert web.post_form(url, form).status_code == 302
    assert db.session.get(TaskProtocol, walking.id).latest_number == 2
    stale = web.post_form(url, form)  # the same form again: it was based on version 1
    assert stale.status_code == 409 and "Iemand anders" in html(stale)
    shown = html(stale)
    assert "Dit staat nu opgeslagen" in shown and "Je vraagt hulp bij gladheid." in shown
    overview = html(web.get(f"/organisaties/{org.id}/bevoegdheden"))
    assert "Opnieuw bevestigen nodig" in overview


# --- overview, check -----------------------------------------------------------------------


def test_matrix_for_instructor_and_coordinator_only(
    web, org, volunteer, instructor, coordinator, outsider, walking
):
    granted(org, volunteer, walking, instructor)
    for person in (instructor, coordinator):
        client = type(web)(web.client.application.test_client())
        client.login(person.email)
        page = html(client.get(f"/organisaties/{org.id}/bevoegdheden"))
        assert volunteer.display_name in page and 'data-state="cleared"' in page
    for person in (volunteer, outsider):
        client = type(web)(web.client.application.test_client())
        client.login(person.email)
        assert client.get(f"/organisaties/{org.id}/bevoegdheden").status_code == 404


def test_matrix_shows_expires_soon_expired_and_missing(web, org, instructor, library):
    soon, old = (factories.user(Role.VOLUNTEER, org=org, name=n) for n in ("Sanne", "Olaf"))
    granted(org, soon, library["walking_support"], instructor, valid_until=DAY + timedelta(days=5))
    granted(
        org,
        old,
        library["walking_support"],
        instructor,
        on=DAY - timedelta(days=400),
        valid_until=DAY,
    )
    web.login(instructor.email)
    page = html(web.get(f"/organisaties/{org.id}/bevoegdheden"))
    for state in ("expires_soon", "expired", "missing"):
        assert f'data-state="{state}"' in page
    expiring = page.split("data-expiring")[1].split("</ul>")[0]
    assert "Sanne" in expiring and "Olaf" not in expiring


def _matrix_queries(web, org, queries) -> int:
    db.session.remove()  # nothing cached from the test's own writes
    with queries() as statements:
        response = web.get(f"/organisaties/{org.id}/bevoegdheden")
    assert response.status_code == 200
    return len(statements)


def test_matrix_query_count_does_not_grow_with_the_data(web, org, instructor, library, queries):
    first = factories.user(Role.VOLUNTEER, org=org)
    granted(org, first, library["walking_support"], instructor)
    web.login(instructor.email)
    one = _matrix_queries(web, org, queries)
    for _ in range(2):
        person = factories.user(Role.VOLUNTEER, org=org)
        granted(org, person, library["walking_support"], instructor)
        prepared(org, person, library["wheelchair_transfer"], instructor)
    three = _matrix_queries(web, org, queries)
    assert one == three == 9


def test_check_page_answers_yes_and_no(web, org, volunteer, instructor, walking):
    granted(org, volunteer, walking, instructor, valid_until=DAY + timedelta(days=40))
    web.login(instructor.email)
    url = f"/organisaties/{org.id}/bevoegdheden/controle"
    yes = html(web.get(url, query_string={"vrijwilliger": volunteer.id, "taak": walking.id}))
    assert 'data-answer="yes"' in yes
    later = (DAY + timedelta(days=40)).isoformat()
    no = html(
        web.get(
            url, query_string={"vrijwilliger": volunteer.id, "taak": walking.id, "datum": later}
        )
    )
    assert 'data-answer="no"' in no and "verlopen" in no


def test_check_page_for_unknown_volunteer_or_task_explains(
    web, org, instructor, other_org, walking
):
    stranger = factories.user(Role.VOLUNTEER, org=other_org)
    web.login(instructor.email)
    url = f"/organisaties/{org.id}/bevoegdheden/controle"
    response = web.get(url, query_string={"vrijwilliger": stranger.id, "taak": 999999})
    assert response.status_code == 422
    page = html(response)
    assert "Kies een vrijwilliger van deze organisatie." in page
    assert "Kies een taak van deze organisatie." in page
    assert "data-answer" not in page


def test_volunteer_may_not_use_the_check_page(web, org, volunteer):
    web.login(volunteer.email)
    assert web.get(f"/organisaties/{org.id}/bevoegdheden/controle").status_code == 404


# --- one clearance -------------------------------------------------------------------------


def test_instructor_starts_a_clearance_and_a_volunteer_may_not(
    web, org, volunteer, instructor, walking
):
    url = f"/organisaties/{org.id}/bevoegdheden/nieuw"
    web.login(volunteer.email)
    assert web.get(url).status_code == 404
    other = type(web)(web.client.application.test_client())
    other.login(instructor.email)
    response = other.post_form(url, {"volunteer": volunteer.id, "protocol": walking.id})
    assert response.status_code == 302
    again = other.post_form(url, {"volunteer": volunteer.id, "protocol": walking.id})
    assert again.status_code == 422 and "heeft al een bevoegdverklaring" in html(again)
    assert db.session.scalar(select(func.count(Clearance.id))) == 1


def test_clearance_page_is_a_404_for_others(web, org, other_org, volunteer, instructor, walking):
    clearance = granted(org, volunteer, walking, instructor)
    web.login(volunteer.email)
    assert "Ondersteunen bij lopen" in html(web.get(f"/bevoegdheden/{clearance.id}"))
    for person in (
        factories.user(Role.VOLUNTEER, org=org),
        factories.user(Role.SUPERVISOR, org=org),
        factories.user(Role.INSTRUCTOR, org=other_org),
    ):
        client = type(web)(web.client.application.test_client())
        client.login(person.email)
        for path in ("", "/kennis", "/instructie", "/verlenen", "/intrekken", "/portfolio"):
            assert client.get(f"/bevoegdheden/{clearance.id}{path}").status_code == 404, path


def test_volunteer_acknowledges_every_item(web, org, volunteer, instructor, walking):
    clearance = services.start_clearance(org, volunteer, walking, actor=instructor)
    db.session.commit()
    version = services.current_version(walking)
    from evc.protocols.loader import item_hash

    url = f"/bevoegdheden/{clearance.id}/kennis"
    web.login(volunteer.email)
    partial = web.post_form(url, {"items": [item_hash(version.know[0])]})
    assert partial.status_code == 422 and "Bevestig elk punt" in html(partial)
    response = web.post_form(url, {"items": [item_hash(t) for t in version.know]})
    assert response.status_code == 302
    clearance = db.session.get(Clearance, clearance.id)
    assert len([i for i in clearance.items if i.kind == "know"]) == len(version.know)


def test_instructor_may_not_acknowledge_for_the_volunteer(web, org, volunteer, instructor, walking):
    clearance = services.start_clearance(org, volunteer, walking, actor=instructor)
    db.session.commit()
    web.login(instructor.email)
    assert web.get(f"/bevoegdheden/{clearance.id}/kennis").status_code == 404


def _instruction_form(version, result="yes", on=DAY):
    form = {"instructed_on": on.isoformat(), "version_id": ""}
    for index, _text in enumerate(version.skills):
        form[f"skill_{index}_result"] = result
        form[f"skill_{index}_on"] = on.isoformat()
        form[f"skill_{index}_note"] = "Ging goed."
    for index, _text in enumerate(version.confirmable_resources):
        form[f"resource_{index}"] = "y"
    return form


def test_instructor_records_instruction_and_grants(web, org, volunteer, instructor, walking):
    clearance = services.start_clearance(org, volunteer, walking, actor=instructor)
    db.session.commit()
    version = services.current_version(walking)
    from evc.protocols.loader import item_hash

    services.acknowledge_knowledge(
        clearance, version, [item_hash(t) for t in version.know], actor=volunteer, on=DAY
    )
    db.session.commit()
    web.login(instructor.email)
    base = f"/bevoegdheden/{clearance.id}"
    future = _instruction_form(version, on=DAY + timedelta(days=1))
    assert web.post_form(f"{base}/instructie", future).status_code == 422
    assert web.post_form(f"{base}/instructie", _instruction_form(version)).status_code == 302
    past = web.post_form(f"{base}/verlenen", {"valid_until": DAY.isoformat()})
    assert past.status_code == 422 and "Kies een datum na vandaag." in html(past)
    until = add_months(DAY, 24)
    response = web.post_form(
        f"{base}/verlenen", {"valid_until": until.isoformat(), "client_reference": ""}
    )
    assert response.status_code == 302, html(response)
    clearance = db.session.get(Clearance, clearance.id)
    assert clearance.status == ClearanceStatus.GRANTED and clearance.valid_until == until
    assert clearance.granted_by_id == instructor.id
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"clearance.instruction_recorded", "clearance.granted"} <= actions


def test_grant_page_refuses_when_skills_are_not_demonstrated(
    web, org, volunteer, instructor, walking
):
    clearance = prepared(org, volunteer, walking, instructor, demonstrated=False)
    web.login(instructor.email)
    response = web.post_form(
        f"/bevoegdheden/{clearance.id}/verlenen",
        {"valid_until": (DAY + timedelta(days=9)).isoformat()},
    )
    assert response.status_code == 422 and "Nog niet laten zien" in html(response)
    assert db.session.get(Clearance, clearance.id).status == ClearanceStatus.IN_PROGRESS


def test_grant_from_a_stale_form_is_refused(web, org, volunteer, instructor, walking):
    clearance = prepared(org, volunteer, walking, instructor)
    web.login(instructor.email)
    response = web.post_form(
        f"/bevoegdheden/{clearance.id}/verlenen",
        {
            "valid_until": (DAY + timedelta(days=9)).isoformat(),
            "version_id": clearance.version_id - 1,
        },
    )
    assert response.status_code == 409 and "Iemand anders" in html(response)


def test_revoke_needs_a_reason_and_volunteer_may_not(web, org, volunteer, instructor, walking):
    clearance = granted(org, volunteer, walking, instructor)
    url = f"/bevoegdheden/{clearance.id}/intrekken"
    web.login(volunteer.email)
    assert web.get(url).status_code == 404
    other = type(web)(web.client.application.test_client())
    other.login(instructor.email)
    assert other.post_form(url, {"reason": ""}).status_code == 422
    assert other.post_form(url, {"reason": "Werkt niet volgens protocol."}).status_code == 302
    assert db.session.get(Clearance, clearance.id).status == ClearanceStatus.REVOKED
    assert "Werkt niet volgens protocol." in html(web.get(f"/bevoegdheden/{clearance.id}"))


def test_volunteer_adds_a_clearance_to_the_portfolio_once(web, org, volunteer, instructor, walking):
    clearance = granted(org, volunteer, walking, instructor)
    item = factories.trajectory(org, volunteer=volunteer, phase=Phase.RECOGNITION)
    factories.choose(item, "working_safely_and_healthily")
    web.login(volunteer.email)
    url = f"/bevoegdheden/{clearance.id}/portfolio"
    page = web.get(url)
    token = html(page).split('name="once" type="hidden" value="')[1].split('"')[0]
    data = {"competency": "working_safely_and_healthily", "once": token}
    assert web.post_form(url, data).status_code == 302
    again = web.post_form(url, data)
    assert again.status_code == 422 and "al verstuurd" in html(again)
    evidence = db.session.scalars(select(EvidenceItem)).all()
    assert len(evidence) == 1 and evidence[0].title == "Bevoegdverklaring: Ondersteunen bij lopen"
    assert evidence[0].competency_ids == ["working_safely_and_healthily"]


def test_portfolio_without_an_open_trajectory_explains(web, org, volunteer, instructor, walking):
    clearance = granted(org, volunteer, walking, instructor)
    web.login(volunteer.email)
    page = html(web.get(f"/bevoegdheden/{clearance.id}/portfolio"))
    assert "geen lopend EVC-A-traject" in page


# --- VOG, instructors, tokens --------------------------------------------------------------


def test_coordinator_records_a_vog_and_a_volunteer_may_not(web, org, coordinator, volunteer):
    url = f"/organisaties/{org.id}/vog/{volunteer.id}"
    web.login(volunteer.email)
    assert web.get(url).status_code == 404
    other = type(web)(web.client.application.test_client())
    other.login(coordinator.email)
    missing_date = other.post_form(url, {"status": "received"})
    assert missing_date.status_code == 422 and "datum van afgifte" in html(missing_date)
    issued = (DAY - timedelta(days=10)).isoformat()
    assert other.post_form(url, {"status": "received", "issued_on": issued}).status_code == 302
    record = db.session.scalar(select(VolunteerVog))
    assert record.status == "received" and record.issued_on.isoformat() == issued
    stale = other.post_form(url, {"status": "requested", "version_id": record.version_id - 1})
    assert stale.status_code == 409
    assert "Dit staat nu opgeslagen" in html(stale) and "Ontvangen" in html(stale)
    assert other.get(f"/organisaties/{org.id}/vog/{coordinator.id}").status_code == 404


def test_coordinator_authorises_an_instructor_for_reserved_acts(
    web, org, coordinator, instructor, outsider
):
    url = f"/organisaties/{org.id}/instructeurs/{instructor.id}/voorbehouden"
    web.login(instructor.email)
    assert web.get(f"/organisaties/{org.id}/instructeurs").status_code == 404
    assert web.post_form(url, {"bevoegd": "ja"}, form_url="/bevoegdheden").status_code == 404
    other = type(web)(web.client.application.test_client())
    other.login(coordinator.email)
    assert instructor.display_name in html(other.get(f"/organisaties/{org.id}/instructeurs"))
    assert other.post_form(url, {"bevoegd": "ja"}, form_url="/bevoegdheden").status_code == 302
    assert db.session.scalar(select(func.count(ReservedActAuthorisation.id))) == 1
    # someone who is not an instructor here cannot be authorised through this organisation
    stranger = f"/organisaties/{org.id}/instructeurs/{outsider.id}/voorbehouden"
    assert other.post_form(stranger, {"bevoegd": "ja"}, form_url="/bevoegdheden").status_code == 404


def test_api_token_is_shown_once_and_can_be_revoked(web, org, coordinator, instructor, outsider):
    url = f"/organisaties/{org.id}/api-sleutels"
    web.login(coordinator.email)
    response = web.post_form(url, {"name": "Roosterprogramma"})
    assert response.status_code == 200
    plain = html(response).split("data-token>")[1].split("<")[0]
    assert plain.startswith("evc_")
    assert plain not in html(web.get(url))
    token = db.session.scalar(select(ApiToken))
    other = type(web)(web.client.application.test_client())
    other.login(outsider.email)
    assert other.get(url).status_code == 404
    revoke = f"{url}/{token.id}/intrekken"
    assert other.post_form(revoke, form_url="/bevoegdheden").status_code == 404
    assert web.post_form(revoke, form_url=url).status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    instructor_web = type(web)(web.client.application.test_client())
    instructor_web.login(instructor.email)
    assert instructor_web.get(url).status_code == 404


# --- the JSON check ------------------------------------------------------------------------


@pytest.fixture
def token(org, coordinator):
    _row, plain = services.create_api_token(org, "Rooster", actor=coordinator)
    db.session.commit()
    return plain


def _api(client, token, **params):
    return client.get(
        "/api/v1/bevoegdheid", query_string=params, headers={"Authorization": f"Bearer {token}"}
    )


def test_api_answers_yes_then_no_after_expiry(client, org, volunteer, instructor, walking, token):
    granted(org, volunteer, walking, instructor, valid_until=DAY + timedelta(days=10))
    yes = _api(client, token, vrijwilliger=volunteer.id, taak="walking_support")
    assert yes.status_code == 200
    assert yes.json["toegestaan"] is True and yes.json["datum"] == DAY.isoformat()
    assert yes.json["verloopt_op"] == (DAY + timedelta(days=10)).isoformat()
    later = (DAY + timedelta(days=10)).isoformat()
    no = _api(client, token, vrijwilliger=volunteer.id, taak="walking_support", datum=later)
    assert no.json["toegestaan"] is False and no.json["status"] == "expired"
    assert [m["code"] for m in no.json["ontbreekt"]] == ["expired"]


def test_api_lists_what_is_missing(client, org, volunteer, instructor, library, token):
    prepared(org, volunteer, library["eating_and_drinking"], instructor, demonstrated=False)
    answer = _api(client, token, vrijwilliger=volunteer.id, taak="eating_and_drinking").json
    assert answer["toegestaan"] is False
    codes = [m["code"] for m in answer["ontbreekt"]]
    assert "skill" in codes and "vog_missing" in codes and "not_granted" in codes


def test_api_refuses_unknown_task_volunteer_date_and_other_organisations(
    client, org, other_org, volunteer, instructor, walking, token
):
    stranger = factories.user(Role.VOLUNTEER, org=other_org)
    assert _api(client, token, vrijwilliger=volunteer.id, taak="bestaat_niet").status_code == 404
    assert _api(client, token, vrijwilliger=999999, taak="walking_support").status_code == 404
    assert _api(client, token, vrijwilliger=stranger.id, taak="walking_support").status_code == 404
    assert (
        _api(client, token, vrijwilliger=instructor.id, taak="walking_support").status_code == 404
    )
    bad_date = _api(client, token, vrijwilliger=volunteer.id, taak="walking_support", datum="x")
    assert bad_date.status_code == 400


def test_token_of_another_organisation_sees_nothing_here(
    client, org, other_org, volunteer, instructor, walking
):
    granted(org, volunteer, walking, instructor)
    boss = factories.user(Role.COORDINATOR, org=other_org)
    services.import_library(other_org, actor=boss)
    _row, foreign = services.create_api_token(other_org, "Ander rooster", actor=boss)
    db.session.commit()
    response = _api(client, foreign, vrijwilliger=volunteer.id, taak="walking_support")
    assert response.status_code == 404
    assert "toegestaan" not in response.json


def test_api_query_count_is_fixed(client, org, volunteer, instructor, walking, token, queries):
    granted(org, volunteer, walking, instructor)
    with queries() as statements:
        response = _api(client, token, vrijwilliger=volunteer.id, taak="walking_support")
    assert response.status_code == 200
    assert len(statements) == 7
