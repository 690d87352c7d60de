"""The klantmanager (case manager) of a municipality: who reads which participation report, and
what they never see.

Karim is a klantmanager of Gemeente Utrecht, Daan's municipality; Zoë is one of Gemeente Zeist,
Olga's. Reports are issued with the clock frozen at TODAY. A report is readable by a klantmanager
only while the organisation that made the agreement shares its reports; reading it is logged for
that organisation; the mail about a new report carries a link, not the client's reference or name.

What the klantmanager reads and what not: sharing, filters and pages, query count, the
log of reads, and the mail about a new report.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from evc.accounts.models import Role
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.participation.models import ParticipationReport
from evc.procedure.models import OrganisationSettings
from tests import factories
from tests.participation.klantmanagers import (
    DAAN_SECRETS,
    LIST_QUERIES,
    OLGA_SECRETS,
    as_user,
    assert_no_leak,
    cheap_report,
    count,
    issue,
    listed,
    reads,
    report_urls,
    share,
    text,
)

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
