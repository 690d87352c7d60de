"""Dashboards, competency pages, member management screens, error pages, headers, language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evc.accounts.models import Membership, Role
from evc.audit import log_action
from evc.extensions import db
from tests import factories
from tests.conftest import csrf_from

SECTIONS = {
    Role.VOLUNTEER: "Jouw EVC-A-traject",
    Role.SUPERVISOR: "Vrijwilligers die je begeleidt",
    Role.ASSESSOR: "om te beoordelen",
    Role.COORDINATOR: "Organisaties die je coördineert",
    Role.CLIENT: "Jouw participatie",
}


@pytest.mark.parametrize("role", list(SECTIONS))
def test_dashboard_shows_the_section_of_each_role_held_and_no_other(web, org, role):
    person = factories.user(role, org=org)
    web.login(person.email)
    page = web.get("/overzicht").get_data(as_text=True)
    assert SECTIONS[role] in page
    for other, heading in SECTIONS.items():
        if other != role:
            assert heading not in page


def test_person_with_two_roles_in_two_organisations_sees_both_sections(web, org, other_org):
    person = factories.user((org, Role.SUPERVISOR), (other_org, Role.ASSESSOR))
    web.login(person.email)
    page = web.get("/overzicht").get_data(as_text=True)
    assert SECTIONS[Role.SUPERVISOR] in page and SECTIONS[Role.ASSESSOR] in page


def test_person_without_a_role_is_told_whom_to_ask(web):
    person = factories.user()
    web.login(person.email)
    page = web.get("/overzicht").get_data(as_text=True)
    assert "Je hebt nog geen rol" in page


def test_coordinator_dashboard_lists_the_organisations_with_member_counts(web, org, coordinator):
    factories.user(Role.VOLUNTEER, org=org)
    web.login(coordinator.email)
    page = web.get("/overzicht").get_data(as_text=True)
    assert "Vrijwilligerscentrum Test" in page
    assert "<td>2</td>" in page
    assert f"/organisaties/{org.id}/leden" in page


def test_every_logged_in_user_can_read_the_twelve_competencies(web, volunteer):
    web.login(volunteer.email)
    page = web.get("/competenties").get_data(as_text=True)
    for name in (
        "Systematisch werken",
        "Betrouwbaarheid tonen",
        "Omgaan met tijd en tempo",
        "Problemen oplossen",
        "Veilig en gezond te werk gaan",
        "Communiceren",
        "Presentatie",
        "Bijdragen aan goede werkrelaties",
        "Samenwerken",
        "Incasseren",
        "Toepassen taal en rekenen",
        "Al doende leren",
    ):
        assert name in page
    detail = web.get("/competenties/resilience").get_data(as_text=True)
    assert "<h1>10. Incasseren</h1>" in detail
    assert web.get("/competenties/bestaat-niet").status_code == 404


def test_competencies_are_shown_in_english_for_an_english_account(web, org):
    person = factories.user(Role.VOLUNTEER, org=org, language="en")
    web.login(person.email)
    page = web.get("/competenties/learning_by_doing").get_data(as_text=True)
    assert "Learning by doing" in page
    assert '<html lang="en">' in page


def test_language_switch_before_login_translates_the_page(web):
    response = web.post_form("/taal", {"language": "en", "next": "/login"}, form_url="/login")
    assert response.headers["Location"] == "/login"
    page = web.get("/login").get_data(as_text=True)
    assert "<h1>Log in</h1>" in page
    assert '<html lang="en">' in page


def test_language_switch_is_stored_with_the_account(web, volunteer, session):
    web.login(volunteer.email)
    web.post_form("/taal", {"language": "en", "next": "/overzicht"}, form_url="/overzicht")
    session.expire_all()
    assert session.get(type(volunteer), volunteer.id).language == "en"
    assert "Welcome, Vera Vrijwilliger" in web.get("/overzicht").get_data(as_text=True)


def test_language_switch_ignores_an_unknown_language_and_foreign_next(web):
    response = web.post_form(
        "/taal", {"language": "xx", "next": "https://evil.example/"}, form_url="/login"
    )
    assert response.headers["Location"] == "/"
    assert "<h1>Inloggen</h1>" in web.get("/login").get_data(as_text=True)


def test_security_headers_are_on_every_response(client):
    for path in ("/login", "/bestaat-niet", "/static/css/evc.css"):
        with client.get(path) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "language, code, title",
    [
        ("nl", 404, "Pagina niet gevonden"),
        ("en", 404, "Page not found"),
        ("nl", 403, "Geen toegang"),
        ("en", 403, "No access"),
    ],
)
def test_error_pages_speak_the_users_language(web, org, language, code, title):
    person = factories.user(Role.VOLUNTEER, org=org, language=language)
    web.login(person.email)
    path = "/bestaat-niet" if code == 404 else "/postvak-uit"
    response = web.get(path)
    assert response.status_code == code
    assert f"<h1>{title}</h1>" in response.get_data(as_text=True)


def test_too_large_request_gets_the_413_page(make_app, app):
    small = make_app(MAX_CONTENT_LENGTH=1024)
    response = small.test_client().post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "Bestand te groot" in response.get_data(as_text=True)


def test_unexpected_error_gets_the_500_page_and_no_traceback(make_app, app):
    broken = make_app(PROPAGATE_EXCEPTIONS=False)

    @broken.route("/kapot")
    def kapot():
        raise RuntimeError("secret internals")

    kapot.permission_rule = "public"
    response = broken.test_client().get("/kapot")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Er ging iets mis" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_coordinator_gives_and_takes_a_role(web, org, coordinator, session):
    person = factories.user(Role.VOLUNTEER, org=org, name="Piet Pieters")
    web.login(coordinator.email)
    members = f"/organisaties/{org.id}/leden"
    response = web.post_form(
        f"{members}/{person.id}/rol-toevoegen", {"role": "supervisor"}, form_url=members
    )
    assert "De rol is toegevoegd voor Piet Pieters." in web.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    response = web.post_form(f"{members}/{person.id}/rol-verwijderen/volunteer", form_url=members)
    assert response.status_code == 302
    roles = set(session.scalars(select(Membership.role).where(Membership.user_id == person.id)))
    assert roles == {Role.SUPERVISOR}
    log = web.get(f"/organisaties/{org.id}/logboek").get_data(as_text=True)
    assert "Rol gegeven" in log and "Rol afgenomen" in log and "Piet Pieters" in log


def test_the_last_coordinator_cannot_remove_their_own_role(web, org, coordinator, session):
    web.login(coordinator.email)
    members = f"/organisaties/{org.id}/leden"
    response = web.post_form(
        f"{members}/{coordinator.id}/rol-verwijderen/coordinator", form_url=members
    )
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Een organisatie heeft altijd minstens één coördinator nodig." in page
    assert Role.COORDINATOR in set(
        session.scalars(select(Membership.role).where(Membership.user_id == coordinator.id))
    )


def test_site_admin_cannot_block_themself(web, org, session):
    admin = factories.user(Role.COORDINATOR, org=org, site_admin=True)
    web.login(admin.email)
    members = f"/organisaties/{org.id}/leden"
    response = web.post_form(f"{members}/{admin.id}/blokkeren", form_url=members)
    assert "Je kunt je eigen account niet blokkeren." in web.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert web.get("/overzicht").status_code == 200


def test_member_action_without_csrf_token_changes_nothing(
    web, org, coordinator, volunteer, session
):
    web.login(coordinator.email)
    response = web.client.post(
        f"/organisaties/{org.id}/leden/{volunteer.id}/rol-verwijderen/volunteer"
    )
    assert response.status_code == 400
    session.expire_all()
    assert session.get(type(volunteer), volunteer.id).roles_in(org.id) == {Role.VOLUNTEER}


def test_audit_log_shows_a_coordinator_no_logins_and_the_site_admin_all(
    web, other_web, org, coordinator, volunteer
):
    """A login belongs to the account, which may serve other organisations too."""
    other_web.post_form("/login", {"email": volunteer.email, "password": "fout fout fout fout"})
    other_web.login(volunteer.email)
    web.login(coordinator.email)
    page = web.get(f"/organisaties/{org.id}/logboek").get_data(as_text=True)
    assert "Inloggen mislukt" not in page and "Ingelogd" not in page
    admin = factories.user(site_admin=True)
    admin_web = type(web)(web.client.application.test_client())
    admin_web.login(admin.email)
    page = admin_web.get(f"/organisaties/{org.id}/logboek").get_data(as_text=True)
    assert "Inloggen mislukt" in page and "Ingelogd" in page and "Vera Vrijwilliger" in page


def test_audit_log_of_another_organisation_stays_hidden(web, org, other_org, coordinator, session):
    outsider = factories.user(Role.VOLUNTEER, org=other_org, name="Olga Outsider")
    log_action("login", actor=outsider, obj=outsider)
    session.commit()
    web.login(coordinator.email)
    assert "Olga Outsider" not in web.get(f"/organisaties/{org.id}/logboek").get_data(as_text=True)


@pytest.mark.parametrize("extra_members", [0, 2])
def test_members_page_query_count_does_not_grow_with_members(
    web, org, coordinator, queries, extra_members
):
    for _ in range(extra_members):
        factories.user(Role.VOLUNTEER, org=org)
    web.login(coordinator.email)
    with queries() as statements:
        page = web.get(f"/organisaties/{org.id}/leden").get_data(as_text=True)
    assert page.count("data-member=") == 1 + extra_members
    # the session with its user, the user's memberships, the organisation, the member list,
    # the open invitations to existing accounts
    assert len(statements) == 5, statements


@pytest.mark.parametrize("entries", [1, 3])
def test_audit_log_query_count_does_not_grow_with_entries(
    web, org, coordinator, queries, session, entries
):
    for _ in range(entries):
        person = factories.user(Role.VOLUNTEER, org=org)
        log_action(
            "role.added", actor=coordinator, organisation_id=org.id, obj=person, role="volunteer"
        )
    session.commit()
    web.login(coordinator.email)
    with queries() as statements:
        web.get(f"/organisaties/{org.id}/logboek")
    assert len(statements) == 5, statements


def test_site_admin_creates_an_organisation_and_invites_its_coordinator(web, session):
    admin = factories.user(site_admin=True)
    web.login(admin.email)
    response = web.post_form(
        "/beheer/organisaties",
        {
            "name": "Buurthuis De Linde",
            "kind": "volunteer",
            "coordinator_name": "Lotte Linde",
            "coordinator_email": "lotte@test.example",
        },
    )
    assert response.status_code == 302
    page = web.get("/beheer/organisaties").get_data(as_text=True)
    assert "Buurthuis De Linde" in page
    outbox = web.get("/postvak-uit").get_data(as_text=True)
    assert "lotte@test.example" in outbox
    duplicate = web.post_form(
        "/beheer/organisaties",
        {
            "name": "buurthuis de linde",
            "kind": "volunteer",
            "coordinator_name": "X",
            "coordinator_email": "x@test.example",
        },
    )
    assert duplicate.status_code == 422
    assert "Er bestaat al een organisatie met deze naam." in duplicate.get_data(as_text=True)


def test_user_text_is_escaped_on_every_page(web, org, coordinator):
    factories.user(Role.VOLUNTEER, org=org, name='<img src=x onerror="alert(1)">')
    web.login(coordinator.email)
    page = web.get(f"/organisaties/{org.id}/leden").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page


def test_csrf_token_is_present_in_every_form(web, coordinator, org):
    web.login(coordinator.email)
    page = web.get(f"/organisaties/{org.id}/leden").get_data(as_text=True)
    assert page.count("<form") == page.count('name="csrf_token"')
    assert csrf_from(page)
    db.session.remove()


def test_member_page_shows_roles_status_and_actions(web, org, coordinator):
    person = factories.user(Role.VOLUNTEER, org=org, name="Mila Member", password=None)
    web.login(coordinator.email)
    members = web.get(f"/organisaties/{org.id}/leden").get_data(as_text=True)
    assert f'href="/organisaties/{org.id}/leden/{person.id}"' in members
    page = web.get(f"/organisaties/{org.id}/leden/{person.id}").get_data(as_text=True)
    assert "<h1>Mila Member" in page
    assert "Vrijwilliger" in page
    assert "heeft de uitnodiging nog niet aangenomen" in page
    assert "Uitnodiging opnieuw sturen" in page
    assert "Uit deze organisatie halen" in page
    assert "Account blokkeren" not in page  # the whole account: the site administrator's
    # the role one already has is not offered again
    assert '<option value="volunteer">' not in page and '<option value="supervisor">' in page


def test_member_page_of_someone_outside_the_organisation_is_a_404(web, org, other_org, coordinator):
    outsider = factories.user(Role.VOLUNTEER, org=other_org)
    web.login(coordinator.email)
    assert web.get(f"/organisaties/{org.id}/leden/{outsider.id}").status_code == 404
    assert web.get(f"/organisaties/{org.id}/leden/999999").status_code == 404


def test_members_page_without_members_says_what_to_do(web, org):
    admin = factories.user(site_admin=True)
    web.login(admin.email)
    page = web.get(f"/organisaties/{org.id}/leden").get_data(as_text=True)
    assert "Er is nog niemand in deze organisatie." in page


def test_language_chosen_on_the_login_page_is_kept_after_login(web, volunteer, session):
    web.post_form("/taal", {"language": "en", "next": "/login"}, form_url="/login")
    web.login(volunteer.email)
    assert "Welcome, Vera Vrijwilliger" in web.get("/overzicht").get_data(as_text=True)
    session.expire_all()
    assert session.get(type(volunteer), volunteer.id).language == "en"
