"""The klantmanager (case manager) of a municipality: who reads which participation report, and
what they never see.

Karim is a klantmanager of Gemeente Utrecht, Daan's municipality; Zoë is one of Gemeente Zeist,
Olga's. Reports are issued with the clock frozen at TODAY. A report is readable by a klantmanager
only while the organisation that made the agreement shares its reports; reading it is logged for
that organisation; the mail about a new report carries a link, not the client's reference or name.

The klantmanager on the dashboard, the agreement page, the settings and the members pages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from evc.accounts.models import Membership, Role, User
from evc.audit import AuditEntry
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.participation import services
from evc.procedure.models import OrganisationSettings
from tests import factories
from tests.participation.klantmanagers import (
    as_user,
    cheap_report,
    count,
    issue,
    listed,
    share,
    text,
)

# --- 7. dashboard, agreement page and settings ----------------------------------------------------


def card(page: str, role: str) -> str:
    match = re.search(rf'<section[^>]*data-role="{role}".*?</section>', page, re.S)
    assert match, f"no {role} card"
    return match.group(0)


def test_case_manager_card_counts_the_readable_reports(
    app, org, worked, daans_report, olgas_report, karim
):
    web = as_user(app, karim)
    closed = card(text(web.get("/overzicht")), "case_manager")
    assert "Er zijn nog geen rapporten die je mag inzien." in closed
    share(org)
    cheap_report(worked)
    cheap_report(worked, created_at=datetime(2026, 1, 5, tzinfo=UTC))
    opened = card(text(web.get("/overzicht")), "case_manager")
    # Olga's report is Zeist's: 3 for Karim, of which the one from January is not recent
    assert "Je kunt 3 rapporten inzien." in opened
    assert "2 zijn de afgelopen 30 dagen gemaakt." in opened
    assert 'href="/gemeente/rapporten"' in opened


def test_others_have_no_case_manager_card(app, org, coordinator, daan):
    share(org)
    for person in (coordinator, daan):
        assert 'data-role="case_manager"' not in text(as_user(app, person).get("/overzicht"))


def test_agreement_page_tells_whether_klantmanagers_read_the_reports(
    app, org, agreement, daan, coordinator, hanna
):
    url = f"/participatie/afspraken/{agreement.id}"
    client, coord = as_user(app, daan), as_user(app, coordinator)
    for web in (client, coord):
        page = text(web.get(url))
        assert 'data-shared="no"' in page and "Klantmanagers kunnen de rapporten niet" in page
    share(org)
    for web in (client, coord):
        page = text(web.get(url))
        assert 'data-shared="yes"' in page
        assert "De klantmanagers van Gemeente Utrecht kunnen deze rapporten inzien." in page
    assert "data-shared" not in text(as_user(app, hanna).get(url))


def share_box(page: str) -> str:
    return re.search(r'<input[^>]*name="share_reports_with_case_managers"[^>]*>', page).group(0)


def test_coordinator_turns_sharing_on_and_sees_it_checked(app, org, coordinator):
    web = as_user(app, coordinator)
    url = f"/organisaties/{org.id}/instellingen"
    assert "checked" not in share_box(text(web.get(url)))
    numbers = {"min_guidance_sessions": "2", "recommended_group_meetings": "2"}
    response = web.post_form(
        url, {**numbers, "stalled_after_days": "30", "share_reports_with_case_managers": "y"}
    )
    assert response.status_code == 302
    assert db.session.get(OrganisationSettings, org.id).share_reports_with_case_managers is True
    assert "checked" in share_box(text(web.get(url)))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "settings.changed"))
    assert entry.details["share_reports_with_case_managers"] is True


def test_coordinator_card_of_a_municipality_has_only_people_and_log(app, utrecht):
    person = factories.user(Role.COORDINATOR, org=utrecht, email="coord@utrecht.example")
    section = card(text(as_user(app, person).get("/overzicht")), "coordinator")
    assert "Nodig de klantmanagers van je gemeente uit." in section
    assert "vrijwilligers, begeleiders en beoordelaars" not in section
    row = re.search(r"<tr>\s*<th scope=\"row\">Gemeente Utrecht</th>.*?</tr>", section, re.S).group(
        0
    )
    assert (
        f"/organisaties/{utrecht.id}/leden" in row and f"/organisaties/{utrecht.id}/logboek" in row
    )
    for absent in ("Trajecten", "Beoordelingen", "Instellingen", "Participatie"):
        assert absent not in row, absent


# --- 8. members pages -----------------------------------------------------------------------------


def role_options(page: str, select_id: str = "role") -> set[str]:
    box = re.search(rf'<select[^>]*id="{select_id}".*?</select>', page, re.S).group(0)
    return set(re.findall(r'<option[^>]*value="([^"]+)"', box))


def test_invite_form_in_a_municipality_offers_coordinator_and_klantmanager(app, utrecht, karim):
    person = factories.user(Role.COORDINATOR, org=utrecht, email="coord@utrecht.example")
    web = as_user(app, person)
    assert role_options(text(web.get(f"/organisaties/{utrecht.id}/leden"))) == {
        "coordinator",
        "case_manager",
    }
    # Karim already is a klantmanager: only the coordinator role can be added
    member = text(web.get(f"/organisaties/{utrecht.id}/leden/{karim.id}"))
    assert "Klantmanager (gemeente)" in member
    assert role_options(member) == {"coordinator"}


def test_volunteer_organisation_offers_no_klantmanager(app, org, coordinator, volunteer):
    web = as_user(app, coordinator)
    options = role_options(text(web.get(f"/organisaties/{org.id}/leden")))
    assert "case_manager" not in options and {"volunteer", "coordinator", "client"} <= options
    assert "case_manager" not in role_options(
        text(web.get(f"/organisaties/{org.id}/leden/{volunteer.id}"))
    )


def test_posting_a_klantmanager_invite_to_a_volunteer_organisation_is_refused(
    app, org, coordinator
):
    web = as_user(app, coordinator)
    before = (count(User), count(Membership), count(OutboxMessage))
    response = web.post_form(
        f"/organisaties/{org.id}/leden/uitnodigen",
        {
            "display_name": "Kim Klant",
            "email": "kim@example.org",
            "role": "case_manager",
            "language": "nl",
        },
        form_url=f"/organisaties/{org.id}/leden",
    )
    assert response.status_code == 422
    page = text(response)
    # the form does not offer the role, so a forged choice gets the form's own Dutch error
    assert re.search(r'id="role-error">.*Ongeldige keuze\.</p>', page)
    assert (count(User), count(Membership), count(OutboxMessage)) == before


def test_adding_the_klantmanager_role_in_a_volunteer_organisation_is_refused(
    app, org, coordinator, volunteer
):
    web = as_user(app, coordinator)
    member_url = f"/organisaties/{org.id}/leden/{volunteer.id}"
    response = web.post_form(
        f"{member_url}/rol-toevoegen", {"role": "case_manager"}, form_url=member_url
    )
    assert response.status_code == 302
    page = text(web.get(response.headers["Location"]))
    assert "Een klantmanager hoort bij een gemeente, niet bij deze organisatie." in page
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).roles_in(org.id) == {Role.VOLUNTEER}


def test_admin_organisation_list_shows_the_kind(app, org, utrecht):
    admin = factories.user(site_admin=True, email="admin@test.example")
    page = text(as_user(app, admin).get("/beheer/organisaties"))
    utrecht_row = re.search(r"<tr>(?:(?!</tr>).)*Gemeente Utrecht.*?</tr>", page, re.S).group(0)
    assert "Gemeente (klantmanagers)" in utrecht_row
    org_row = re.search(r"<tr>(?:(?!</tr>).)*Vrijwilligerscentrum Test.*?</tr>", page, re.S)
    assert "Vrijwilligersorganisatie" in org_row.group(0)


def test_a_report_stays_with_the_municipality_it_was_made_for(
    app, org, agreement, worked, coordinator, karim, zoe
):
    """The client moves from Utrecht to Zeist: the report made for Utrecht stays Utrecht's."""
    share(org)
    record = issue(agreement, coordinator)
    page_url = f"/participatie/rapporten/{record.id}"
    data = {
        "municipality": "Zeist",
        "client_reference": agreement.client_reference,
        "regime": agreement.regime.value,
        "activity": agreement.activity,
        "weekly_minutes_min": agreement.weekly_minutes_min,
        "weekly_minutes_max": agreement.weekly_minutes_max,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
    }
    services.update_agreement(agreement, data, version_id=agreement.version_id, actor=coordinator)
    db.session.commit()
    assert as_user(app, karim).get(page_url).status_code == 200
    assert record.id in listed(text(as_user(app, karim).get("/gemeente/rapporten")))
    assert as_user(app, zoe).get(page_url).status_code == 404
    assert record.id not in listed(text(as_user(app, zoe).get("/gemeente/rapporten")))
