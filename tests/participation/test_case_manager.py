"""The klantmanager (case manager) of a municipality: who reads which participation report, and
what they never see.

Karim is a klantmanager of Gemeente Utrecht, Daan's municipality; Zoë is one of Gemeente Zeist,
Olga's. Reports are issued with the clock frozen at TODAY. A report is readable by a klantmanager
only while the organisation that made the agreement shares its reports; reading it is logged for
that organisation; the mail about a new report carries a link, not the client's reference or name.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from evc.accounts import services as accounts
from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User, role_fits
from evc.audit import AuditEntry
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.participation import report as report_module
from evc.participation import services
from evc.participation.models import EntryStatus, ParticipationAgreement, ParticipationReport
from evc.procedure.models import OrganisationSettings
from tests import factories
from tests.conftest import Browserless
from tests.participation.conftest import TODAY

# session, user with memberships, organisations to filter on, total, page of rows, municipalities
LIST_QUERIES = 6
DAAN_SECRETS = ("Daan Deelnemer", "daan@test.example", "Helpen in de keuken", "Ik was er vroeg")
OLGA_SECRETS = ("OLGA-REF-777", "Olga Overig", "GEHEIM-OLGA-WERK", "Sorteren van kleding")


def text(response) -> str:
    return response.get_data(as_text=True)


def as_user(app, person) -> Browserless:
    web = Browserless(app.test_client())
    web.login(person.email)
    return web


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assert_no_leak(page: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in page, secret


def listed(page: str) -> list[int]:
    """The report ids in the klantmanager's list, in the order shown."""
    return [int(n) for n in re.findall(r'data-report="(\d+)"', page)]


def report_urls(record: ParticipationReport) -> tuple[str, str, str]:
    base = f"/participatie/rapporten/{record.id}"
    return base, f"{base}/pdf", f"{base}/csv"


def reads() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "participation.report_read")
            .order_by(AuditEntry.id)
        )
    )


def share(organisation: Organisation, on: bool = True) -> None:
    factories.org_settings(organisation, share_reports_with_case_managers=on)


def issue(agreement: ParticipationAgreement, actor: User) -> ParticipationReport:
    """A real report (PDF and all) over October and November, as the coordinator issues it."""
    record = services.issue_report(
        agreement, date(2026, 10, 1), date(2026, 11, 1), actor=actor, today=TODAY
    )
    db.session.commit()
    return record


def cheap_report(
    agreement: ParticipationAgreement, *, created_at: datetime | None = None
) -> ParticipationReport:
    """A report row without rendering a PDF: enough for the list, its filters and its pages."""
    agreement = db.session.get(ParticipationAgreement, agreement.id)
    number = report_module.new_number()
    pdf = b"%PDF-1.4 test " + number.encode()
    record = ParticipationReport(
        agreement_id=agreement.id,
        municipality_id=agreement.municipality_id,
        number=number,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        issued_by_id=None,
        data={
            "number": number,
            "issued_on": TODAY.isoformat(),
            "client_reference": agreement.client_reference,
            "municipality": agreement.municipality.name,
            "regime": agreement.regime.value,
            "legal_reference": agreement.legal_reference,
            "host_organisation": agreement.host_organisation.name,
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "months": [],
        },
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    if created_at is not None:
        record.created_at = created_at
    db.session.add(record)
    db.session.commit()
    return record


# --- people and data ------------------------------------------------------------------------------


@pytest.fixture
def utrecht(app):
    return factories.municipality_org("Gemeente Utrecht")


@pytest.fixture
def zeist(app):
    return factories.municipality_org("Gemeente Zeist")


@pytest.fixture
def karim(utrecht):
    return factories.case_manager(utrecht, name="Karim Klantmanager", email="karim@utrecht.example")


@pytest.fixture
def zoe(zeist):
    return factories.case_manager(zeist, name="Zoë Zeist", email="zoe@zeist.example")


@pytest.fixture
def worked(agreement):
    """Daan's verified hours in October and November, with a note only the host should read."""
    factories.hours(agreement, date(2026, 10, 20), 240, status=EntryStatus.APPROVED)
    factories.hours(
        agreement, date(2026, 11, 3), 150, status=EntryStatus.APPROVED, note="Ik was er vroeg"
    )
    return agreement


@pytest.fixture
def daans_report(worked, coordinator, karim, zoe):
    return issue(worked, coordinator)


@pytest.fixture
def olgas_report(olga_agreement, coordinator, karim, zoe):
    return issue(olga_agreement, coordinator)


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
    person = accounts.invite_member(
        utrecht,
        email="kim@utrecht.example",
        display_name="Kim Klant",
        role=Role.CASE_MANAGER,
        language="nl",
        actor=site_admin,
    )
    db.session.commit()
    assert person.roles_in(utrecht.id) == {Role.CASE_MANAGER}
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == person.id))
    assert mail.kind == "invitation" and "Gemeente Utrecht" in mail.subject


# --- 2. what the klantmanager may read, and what not ----------------------------------------------


def test_case_manager_reads_daans_report_while_the_organisation_shares(
    app, org, daans_report, olgas_report, karim
):
    share(org)
    web = as_user(app, karim)
    listing = text(web.get("/gemeente/rapporten"))
    assert listed(listing) == [daans_report.id]
    assert "KM-2026-0142" in listing and "Gemeente Utrecht" in listing
    assert "Buurthuis De Schakel" in listing and "1 rapport gevonden" in listing
    assert_no_leak(listing, *DAAN_SECRETS, *OLGA_SECRETS)
    page_url, pdf_url, csv_url = report_urls(daans_report)
    page = web.get(page_url)
    assert page.status_code == 200
    body = text(page)
    assert daans_report.number in body and "KM-2026-0142" in body
    assert "Terug naar de rapporten" in body and "Terug naar de afspraak" not in body
    assert_no_leak(body, *DAAN_SECRETS, *OLGA_SECRETS)
    pdf = web.get(pdf_url)
    assert pdf.status_code == 200 and pdf.data == daans_report.pdf
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{daans_report.number}.pdf"'
    csv = web.get(csv_url)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "KM-2026-0142" in text(csv)
    assert_no_leak(text(csv), *DAAN_SECRETS)


@pytest.mark.parametrize("setting", ["no row", "off"])
def test_without_sharing_the_case_manager_reads_nothing(app, org, daans_report, karim, setting):
    if setting == "off":
        share(org, False)
    web = as_user(app, karim)
    listing = text(web.get("/gemeente/rapporten"))
    assert listed(listing) == [] and "0 rapporten gevonden" in listing
    assert "Er zijn nog geen rapporten die je mag inzien." in listing
    assert "KM-2026-0142" not in listing
    for url in report_urls(daans_report):
        assert web.get(url).status_code == 404, url
    assert reads() == []


def test_turning_sharing_off_takes_access_away_at_once(app, org, daans_report, karim, coordinator):
    share(org)
    web = as_user(app, karim)
    page_url, pdf_url, csv_url = report_urls(daans_report)
    assert web.get(page_url).status_code == 200
    settings_url = f"/organisaties/{org.id}/instellingen"
    response = as_user(app, coordinator).post_form(
        settings_url,
        {
            "min_guidance_sessions": "2",
            "recommended_group_meetings": "2",
            "stalled_after_days": "30",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OrganisationSettings, org.id).share_reports_with_case_managers is False
    for url in (page_url, pdf_url, csv_url):
        assert web.get(url).status_code == 404, url
    assert listed(text(web.get("/gemeente/rapporten"))) == []


def test_klantmanagers_only_see_their_own_municipality(
    app, org, daans_report, olgas_report, karim, zoe
):
    share(org)
    karims, zoes = as_user(app, karim), as_user(app, zoe)
    zoe_listing = text(zoes.get("/gemeente/rapporten"))
    assert listed(zoe_listing) == [olgas_report.id] and "OLGA-REF-777" in zoe_listing
    assert_no_leak(zoe_listing, "KM-2026-0142", "Gemeente Utrecht", "Olga Overig")
    assert listed(text(karims.get("/gemeente/rapporten"))) == [daans_report.id]
    for url in report_urls(daans_report):
        assert zoes.get(url).status_code == 404, url
    for url in report_urls(olgas_report):
        assert karims.get(url).status_code == 404, url
    assert zoes.get(report_urls(olgas_report)[1]).data == olgas_report.pdf


def test_case_manager_reaches_nothing_else_of_the_agreement(app, org, worked, daans_report, karim):
    share(org)
    entry = factories.hours(worked, date(2026, 11, 16), activity="DAAN-WERK")
    web = as_user(app, karim)
    agreement_id = daans_report.agreement_id
    for url in (
        f"/participatie/afspraken/{agreement_id}",
        f"/participatie/afspraken/{agreement_id}/uren",
        f"/participatie/afspraken/{agreement_id}/wijzigen",
        f"/participatie/afspraken/{agreement_id}/ontheffing",
        f"/participatie/afspraken/{agreement_id}/rapport",
        f"/participatie/afspraken/{agreement_id}/portfolio",
        f"/participatie/uren/{entry.id}",
        f"/participatie/uren/{entry.id}/afwijzen",
        f"/organisaties/{org.id}/participatie",
        f"/organisaties/{org.id}/participatie/nieuw",
        f"/organisaties/{org.id}/instellingen",
        f"/organisaties/{org.id}/logboek",
    ):
        assert web.get(url).status_code == 404, url
    for url in ("/participatie", "/participatie/te-controleren"):
        assert web.get(url).status_code == 403, url
    # the report page itself offers no way to the agreement
    body = text(web.get(report_urls(daans_report)[0]))
    assert f"/participatie/afspraken/{agreement_id}" not in body
    assert "DAAN-WERK" not in body


def test_only_klantmanagers_open_the_municipality_list(
    app, org, daans_report, karim, daan, hanna, coordinator, volunteer, utrecht
):
    """A role page: refused with 403 (as /participatie/te-controleren), not 404."""
    share(org)
    municipality_coordinator = factories.user(Role.COORDINATOR, org=utrecht)
    for person in (volunteer, hanna, coordinator, daan, municipality_coordinator):
        response = as_user(app, person).get("/gemeente/rapporten")
        assert response.status_code == 403, person.display_name
        assert "KM-2026-0142" not in text(response)
    # the host contact cannot read the report either
    for url in report_urls(daans_report):
        assert as_user(app, hanna).get(url).status_code == 404, url


# --- 3. filters and pages -------------------------------------------------------------------------


def test_filter_by_reference_is_partial_case_insensitive_and_literal(app, org, karim):
    share(org)
    rows = {}
    for reference in ("KM-2026-0142", "km-2026-0999", "AB%12", "AB_12", "ABX12", "XAB12"):
        rows[reference] = cheap_report(factories.agreement(org, reference=reference)).id
    web = as_user(app, karim)

    def found(search: str) -> set[int]:
        return set(
            listed(text(web.get("/gemeente/rapporten", query_string={"klantnummer": search})))
        )

    assert found("") == set(rows.values())
    assert found("Km-2026") == {rows["KM-2026-0142"], rows["km-2026-0999"]}
    assert found("  0142 ") == {rows["KM-2026-0142"]}
    assert found("%") == {rows["AB%12"]}
    assert found("ab_1") == {rows["AB_12"]}
    assert found("b%1") == {rows["AB%12"]}
    empty = text(web.get("/gemeente/rapporten", query_string={"klantnummer": "ZZZ"}))
    assert listed(empty) == []
    assert "Geen rapporten gevonden. Kijk het klantnummer na" in empty
    assert 'value="ZZZ"' in empty  # the search stays in the field


def test_filter_by_organisation(app, org, other_org, karim):
    share(org)
    share(other_org)
    silent = factories.organisation("Stille Organisatie")  # does not share
    ours = cheap_report(factories.agreement(org, reference="KM-ORG-1"))
    theirs = cheap_report(factories.agreement(other_org, reference="KM-ORG-2"))
    cheap_report(factories.agreement(silent, reference="KM-ORG-3"))
    web = as_user(app, karim)
    page = text(web.get("/gemeente/rapporten"))
    assert set(listed(page)) == {ours.id, theirs.id}
    select_box = re.search(r'<select[^>]*name="organisatie".*?</select>', page, re.S).group(0)
    assert "Vrijwilligerscentrum Test" in select_box and "Andere Organisatie" in select_box
    assert "Stille Organisatie" not in select_box
    filtered = text(web.get("/gemeente/rapporten", query_string={"organisatie": other_org.id}))
    assert listed(filtered) == [theirs.id]
    assert re.search(rf'<option value="{other_org.id}" selected>', filtered)
    unshared = text(web.get("/gemeente/rapporten", query_string={"organisatie": silent.id}))
    assert listed(unshared) == [] and "KM-ORG-3" not in unshared


def test_more_than_fifty_reports_are_split_over_pages(app, org, karim):
    share(org)
    item = factories.agreement(org)
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    ids = [cheap_report(item, created_at=start + timedelta(minutes=n)).id for n in range(52)]
    other = cheap_report(factories.agreement(org, reference="ANDER-1"), created_at=start)
    web = as_user(app, karim)
    first = text(web.get("/gemeente/rapporten"))
    assert "53 rapporten gevonden" in first and "Pagina 1 van 2" in first
    assert listed(first) == list(reversed(ids))[:50]  # newest first
    assert 'href="/gemeente/rapporten?pagina=2"' in first and "Vorige" not in first
    second = text(web.get("/gemeente/rapporten", query_string={"pagina": 2}))
    assert "Pagina 2 van 2" in second and "Volgende" not in second
    # the other report has the same time as the oldest one: the higher id comes first
    assert listed(second) == [ids[1], other.id, ids[0]]
    # the search stays on the next page; a filtered list of 52 has two pages too
    filtered = text(web.get("/gemeente/rapporten", query_string={"klantnummer": "km-2026"}))
    assert "52 rapporten gevonden" in filtered
    assert "klantnummer=km-2026" in filtered and "pagina=2" in filtered
    beyond = text(web.get("/gemeente/rapporten", query_string={"pagina": 9}))
    assert listed(beyond) == []


# --- 4. query count -------------------------------------------------------------------------------


def test_list_query_count_is_constant(app, org, other_org, karim, queries):
    share(org)
    share(other_org)
    web = as_user(app, karim)
    counts = []
    for n in (1, 4):
        while count(ParticipationReport) < n:
            maker = org if count(ParticipationReport) % 2 == 0 else other_org
            cheap_report(factories.agreement(maker, reference=f"KM-Q-{count(ParticipationReport)}"))
        db.session.remove()
        with queries() as statements:
            page = text(web.get("/gemeente/rapporten"))
        assert len(listed(page)) == n
        counts.append(len(statements))
    assert counts == [LIST_QUERIES, LIST_QUERIES], counts


# --- 5. audit -------------------------------------------------------------------------------------


def test_case_manager_reads_are_in_the_organisations_log(
    app, org, daans_report, karim, coordinator
):
    share(org)
    web = as_user(app, karim)
    for url in report_urls(daans_report):
        assert web.get(url).status_code == 200
    web.get("/gemeente/rapporten")  # the list itself is not a read of a report
    rows = reads()
    assert [row.details["what"] for row in rows] == ["page", "pdf", "csv"]
    assert {(r.actor_id, r.organisation_id, r.object_type, r.object_id) for r in rows} == {
        (karim.id, org.id, "ParticipationReport", daans_report.id)
    }
    log = text(as_user(app, coordinator).get(f"/organisaties/{org.id}/logboek"))
    assert log.count("Karim Klantmanager") == 3
    assert log.count("Rapport ingezien door een klantmanager") == 3


def test_reads_by_the_coordinator_and_the_client_are_not_logged(
    app, org, daans_report, coordinator, daan, utrecht
):
    share(org)
    # someone who coordinates the organisation and is also a klantmanager of Utrecht
    both = factories.user(
        (org, Role.COORDINATOR), (utrecht, Role.CASE_MANAGER), email="beide@test.example"
    )
    for person in (coordinator, daan, both):
        web = as_user(app, person)
        for url in report_urls(daans_report):
            assert web.get(url).status_code == 200, (person.display_name, url)
    assert reads() == []


# --- 6. mail --------------------------------------------------------------------------------------


def test_a_shared_report_is_announced_to_the_municipalitys_klantmanagers(
    app, org, worked, coordinator, karim, zoe, utrecht
):
    share(org)
    second = factories.case_manager(utrecht, name="Kees Tweede", email="kees@utrecht.example")
    blocked = factories.case_manager(utrecht, email="weg@utrecht.example", active=False)
    municipality_coordinator = factories.user(Role.COORDINATOR, org=utrecht)
    record = issue(worked, coordinator)
    mails = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert sorted(m.to_address for m in mails) == [
        "karim@utrecht.example",
        "kees@utrecht.example",
    ]
    for mail in mails:
        assert mail.recipient_id in {karim.id, second.id}
        assert mail.subject == "Er is een nieuw participatierapport"
        assert f"/participatie/rapporten/{record.id}" in mail.body
        assert "/gemeente/rapporten" in mail.body and "Vrijwilligerscentrum Test" in mail.body
        assert_no_leak(mail.body, "KM-2026-0142", "Daan", "Deelnemer", record.number)
        assert_no_leak(mail.subject, "KM-2026-0142", "Daan")
    assert not {blocked.id, zoe.id, municipality_coordinator.id} & {m.recipient_id for m in mails}


def test_without_sharing_no_klantmanager_is_mailed(app, org, worked, coordinator, karim):
    share(org, False)
    issue(worked, coordinator)
    assert count(ParticipationReport) == 1
    assert count(OutboxMessage) == 0


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
