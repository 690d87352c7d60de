"""The participation screens of the client and the host contact through the test client, allowed
and denied.
Olga's agreement (another client, another host) is always there, so "not shown" means something.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from evc.accounts.models import Role
from evc.audit import AuditEntry
from evc.extensions import db
from evc.participation.models import (
    EntryStatus,
    HoursEntry,
    Regime,
)
from tests import factories
from tests.participation.screens import (
    OLGA_SECRETS,
    OVERVIEW_QUERIES,
    QUEUE_QUERIES,
    TODAY,
    as_user,
    assert_no_leak,
    count,
    text,
)

# --- the client -------------------------------------------------------------------------------


def test_client_sees_own_agreement_with_reference_and_no_one_elses(
    app, running, daan, olga_running
):
    factories.exemption(running, TODAY - timedelta(days=30), TODAY - timedelta(days=25), "Zorg")
    factories.hours(running, TODAY - timedelta(days=2), 150, status=EntryStatus.APPROVED)
    web = as_user(app, daan)
    response = web.get("/participatie")
    assert response.status_code == 302
    page = text(web.get(response.headers["Location"]))
    assert "KM-2026-0142" in page and "Gemeente Utrecht" in page and "Zorg" in page
    assert "2,5" in page and 'data-carried-out="yes"' in page
    assert_no_leak(page, *OLGA_SECRETS)
    dashboard = text(web.get("/overzicht"))
    assert "Buurthuis De Schakel" in dashboard and "Uren schrijven" in dashboard


def test_client_logs_hours_on_a_phone_form(app, running, daan):
    web = as_user(app, daan)
    url = f"/participatie/afspraken/{running.id}/uren"
    form = text(web.get(url))
    assert 'inputmode="decimal"' in form and 'type="date"' in form
    response = web.post_form(
        url,
        {
            "worked_on": TODAY.isoformat(),
            "hours": "2,25",
            "activity": "Koffie schenken",
            "note": "",
            "once": re.search(r'name="once" type="hidden" value="([^"]+)"', form).group(1),
        },
    )
    assert response.status_code == 302
    entry = db.session.scalar(select(HoursEntry))
    assert entry.minutes == 135 and entry.status == EntryStatus.PENDING


@pytest.mark.parametrize(
    ("day", "hours", "message"),
    [
        (TODAY + timedelta(days=1), "2", "toekomst"),
        (TODAY, "13", "hoogstens 12 uur"),
        (TODAY, "-1", "hoe lang"),
        (TODAY, "1,1", "kwartieren"),
        (TODAY - timedelta(days=100), "2", "buiten je afspraak"),
        (TODAY, "twee", "bijvoorbeeld 2 of 2,5"),
    ],
)
def test_bad_hours_get_a_message_and_nothing_is_saved(app, running, daan, day, hours, message):
    web = as_user(app, daan)
    url = f"/participatie/afspraken/{running.id}/uren"
    form = text(web.get(url))
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', form).group(1)
    response = web.post_form(
        url, {"worked_on": day.isoformat(), "hours": hours, "activity": "Koken", "once": once}
    )
    assert response.status_code == 422
    assert message in text(response)
    assert count(HoursEntry) == 0


def test_client_corrects_declined_hours_but_cannot_change_verified_ones(app, running, daan):
    declined = factories.hours(running, TODAY - timedelta(days=3), status=EntryStatus.DECLINED)
    approved = factories.hours(running, TODAY - timedelta(days=4), status=EntryStatus.APPROVED)
    web = as_user(app, daan)
    page = text(web.get(f"/participatie/uren/{declined.id}"))
    assert "Die dag was je er niet." in page
    response = web.post_form(
        f"/participatie/uren/{declined.id}",
        {
            "worked_on": declined.worked_on.isoformat(),
            "hours": "1,5",
            "activity": "Koken",
            "version_id": str(declined.version_id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(HoursEntry, declined.id).status == EntryStatus.PENDING
    response = web.get(f"/participatie/uren/{approved.id}")
    assert response.status_code == 302
    assert "al goedgekeurd" in text(web.get(response.headers["Location"]))
    assert db.session.get(HoursEntry, approved.id).minutes == 120


def test_a_stale_hours_edit_shows_the_stored_hours_beside_the_typed_ones(app, running, daan):
    entry = factories.hours(running, TODAY - timedelta(days=2), 90, activity="Koken")
    web = as_user(app, daan)
    url = f"/participatie/uren/{entry.id}"
    typed = {"worked_on": entry.worked_on.isoformat(), "activity": "Afwassen"}
    first = {**typed, "hours": "2", "version_id": str(entry.version_id)}
    assert web.post_form(url, first).status_code == 302
    stale = web.post_form(url, {**first, "hours": "3", "note": "Later typed"})
    assert stale.status_code == 409
    shown = text(stale)
    assert "Dit staat nu opgeslagen" in shown and "Afwassen" in shown and "Later typed" in shown
    db.session.expire_all()
    assert db.session.get(HoursEntry, entry.id).minutes == 120


def test_other_client_cannot_reach_daans_agreement_or_hours(app, running, olga, olga_running):
    entry = factories.hours(running, TODAY - timedelta(days=1), activity="DAAN-WERK")
    web = as_user(app, olga)
    for url in (
        f"/participatie/afspraken/{running.id}",
        f"/participatie/afspraken/{running.id}/uren",
        f"/participatie/uren/{entry.id}",
        f"/participatie/afspraken/{running.id}/portfolio",
    ):
        assert web.get(url).status_code == 404, url
    own = text(web.get(f"/participatie/afspraken/{olga_running.id}"))
    assert_no_leak(own, "DAAN-WERK", "KM-2026-0142", "Daan")
    assert web.get("/participatie/te-controleren").status_code == 403


# --- the host contact -----------------------------------------------------------------------


def test_host_sees_work_and_hours_only(app, running, hanna, olga_running):
    factories.exemption(running, TODAY - timedelta(days=30), TODAY - timedelta(days=25), "Ziek")
    factories.hours(running, TODAY - timedelta(days=1), note="Ik was er vroeg")
    web = as_user(app, hanna)
    queue = text(web.get("/participatie/te-controleren"))
    assert "Daan Deelnemer" in queue and "Ik was er vroeg" in queue
    assert_no_leak(queue, *OLGA_SECRETS)
    page = text(web.get(f"/participatie/afspraken/{running.id}"))
    assert "Helpen in de keuken" in page
    assert (TODAY - timedelta(days=30)).year and "data-private" not in page
    assert_no_leak(page, "KM-2026-0142", "Gemeente Utrecht", "Ziek", "Vrijwillig", "Rapport")
    dashboard = text(web.get("/overzicht"))
    assert 'data-role="host"' in dashboard and "Er wacht 1 keer uren" in dashboard


def test_host_approves_declines_and_approves_a_week(app, running, hanna, daan):
    monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    first, second, third = (factories.hours(running, monday + timedelta(days=d)) for d in (0, 1, 2))
    web = as_user(app, hanna)
    queue_url = "/participatie/te-controleren"
    assert (
        web.post_form(f"/participatie/uren/{first.id}/goedkeuren", form_url=queue_url).status_code
        == 302
    )
    response = web.post_form(f"/participatie/uren/{second.id}/afwijzen", {"reason": ""})
    assert response.status_code == 422 and "waarom" in text(response)
    response = web.post_form(f"/participatie/uren/{second.id}/afwijzen", {"reason": "Niet gezien"})
    assert response.status_code == 302
    response = web.post_form(
        f"/participatie/afspraken/{running.id}/weken/{monday.isoformat()}/goedkeuren",
        form_url=queue_url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    statuses = [db.session.get(HoursEntry, e.id).status for e in (first, second, third)]
    assert statuses == [EntryStatus.APPROVED, EntryStatus.DECLINED, EntryStatus.APPROVED]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"participation.hours_approved", "participation.hours_declined"} <= actions
    # a decided entry cannot be decided again: it is no longer the host's to verify
    assert (
        web.post_form(f"/participatie/uren/{first.id}/goedkeuren", form_url=queue_url).status_code
        == 404
    )


def test_host_cannot_verify_another_hosts_client(app, running, otto, olga_running):
    entry = factories.hours(running, TODAY - timedelta(days=1), activity="DAAN-WERK")
    web = as_user(app, otto)
    queue_url = "/participatie/te-controleren"
    queue = text(web.get(queue_url))
    assert_no_leak(queue, "DAAN-WERK", "Daan Deelnemer")
    assert (
        web.post_form(f"/participatie/uren/{entry.id}/goedkeuren", form_url=queue_url).status_code
        == 404
    )
    assert web.get(f"/participatie/uren/{entry.id}/afwijzen").status_code == 404
    monday = TODAY - timedelta(days=TODAY.weekday())
    assert (
        web.post_form(
            f"/participatie/afspraken/{running.id}/weken/{monday.isoformat()}/goedkeuren",
            form_url=queue_url,
        ).status_code
        == 404
    )
    assert web.get(f"/participatie/afspraken/{running.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(HoursEntry, entry.id).status == EntryStatus.PENDING


def test_host_contact_who_left_the_host_no_longer_verifies(app, running, hanna, host):
    from evc.accounts.models import Membership

    entry = factories.hours(running, TODAY - timedelta(days=1))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == hanna.id))
    membership.organisation_id = factories.organisation("Ergens anders").id  # still a supervisor
    db.session.commit()
    web = as_user(app, hanna)
    assert "Daan" not in text(web.get("/participatie/te-controleren"))
    assert web.get(f"/participatie/uren/{entry.id}/afwijzen").status_code == 404
    assert web.get(f"/participatie/afspraken/{running.id}").status_code == 404


# --- query counts ---------------------------------------------------------------------------


def test_client_overview_query_count_is_constant(app, running, daan, queries):
    web = as_user(app, daan)
    counts = []
    for n in (1, 3):
        while count(HoursEntry) < n:
            factories.hours(running, TODAY - timedelta(days=count(HoursEntry) + 1))
        db.session.remove()
        with queries() as statements:
            page = text(web.get(f"/participatie/afspraken/{running.id}"))
        assert page.count("data-entry=") == n
        counts.append(len(statements))
    # session, user with memberships, agreement with people, exemptions, entries, reports
    assert counts == [OVERVIEW_QUERIES, OVERVIEW_QUERIES], counts


def test_host_queue_query_count_is_constant(app, org, hanna, queries):
    web = as_user(app, hanna)
    counts = []
    for n in (1, 3):
        while count(HoursEntry) < n:
            client = factories.user(Role.CLIENT, org=org)
            item = factories.agreement(
                org,
                client=client,
                contact=hanna,
                starts_on=TODAY - timedelta(days=30),
                ends_on=TODAY + timedelta(days=30),
                regime=Regime.VOLUNTARY,
            )
            factories.hours(item, TODAY - timedelta(days=1))
        db.session.remove()
        with queries() as statements:
            page = text(web.get("/participatie/te-controleren"))
        assert page.count("data-entry=") == n
        counts.append(len(statements))
    # session, user with memberships, pending entries with agreements and clients
    assert counts == [QUEUE_QUERIES, QUEUE_QUERIES], counts
