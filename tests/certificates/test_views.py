"""The screens: happy paths, refusals with a clear message, denied access without leaks, and the
public verification page (number, QR link, PDF upload, rate limit)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from evc.accounts.models import Role
from evc.certificates.models import Certificate, DevelopmentPlanVersion, FinalInterview
from evc.extensions import db
from evc.procedure.phases import Phase
from tests import factories
from tests.assessment import count

PLAN_URL = "/trajecten/{}/ontwikkelplan"


def _login(web, person):
    web.login(person.email)


def _goal_data(index=0, **values):
    data = {
        "competency_id": "cooperating",
        "goal": "Beter samenwerken",
        "actions": "Een verklaring vragen",
        "support": "Feedback",
        "support_from": "Sam",
        "target_date": (date.today() + timedelta(days=60)).isoformat(),
    }
    data.update(values)
    return {f"goals-{index}-{k}": v for k, v in data.items()}


def test_supervisor_records_the_final_interview(web, assessed, supervisor):
    _login(web, supervisor)
    response = web.post_form(
        f"/trajecten/{assessed.id}/eindgesprek",
        {
            "held_on": date.today().isoformat(),
            "discussed": "Het rapport",
            "volunteer_reaction": "Blij en trots",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(FinalInterview.volunteer_reaction)) == "Blij en trots"
    page = web.get(f"/trajecten/{assessed.id}").get_data(as_text=True)
    assert "Blij en trots" in page


def test_final_interview_in_the_future_is_refused_with_a_message(web, assessed, supervisor):
    _login(web, supervisor)
    response = web.post_form(
        f"/trajecten/{assessed.id}/eindgesprek",
        {
            "held_on": (date.today() + timedelta(days=3)).isoformat(),
            "discussed": "x",
            "volunteer_reaction": "y",
        },
    )
    assert response.status_code == 422
    assert "toekomst" in response.get_data(as_text=True)
    assert count(FinalInterview) == 0


def test_plan_form_is_prefilled_with_the_assessors_advice(web, assessed, supervisor):
    from tests.certificates.conftest import ADVICE

    _login(web, supervisor)
    page = web.get(PLAN_URL.format(assessed.id)).get_data(as_text=True)
    assert ADVICE in page


def test_plan_with_an_empty_goal_is_refused_next_to_the_field(web, assessed, supervisor):
    _login(web, supervisor)
    response = web.post_form(PLAN_URL.format(assessed.id), _goal_data(goal=""))
    assert response.status_code == 422
    assert "Schrijf bij elk doel op wat het doel is." in response.get_data(as_text=True)
    assert count(DevelopmentPlanVersion) == 0


def test_plan_with_a_target_date_in_the_past_is_refused(web, assessed, supervisor):
    _login(web, supervisor)
    past = (date.today() - timedelta(days=2)).isoformat()
    response = web.post_form(PLAN_URL.format(assessed.id), _goal_data(target_date=past))
    assert response.status_code == 422
    assert "verleden" in response.get_data(as_text=True)
    assert count(DevelopmentPlanVersion) == 0


def test_plan_saved_and_confirmed_by_both(web, other_web, assessed, supervisor, volunteer):
    _login(web, supervisor)
    assert web.post_form(PLAN_URL.format(assessed.id), _goal_data()).status_code == 302
    trajectory_url = f"/trajecten/{assessed.id}"
    confirm = f"/trajecten/{assessed.id}/ontwikkelplan/bevestigen"
    assert web.post_form(confirm, {"number": "1"}, form_url=trajectory_url).status_code == 302
    _login(other_web, volunteer)
    assert "Beter samenwerken" in other_web.get(trajectory_url).get_data(as_text=True)
    assert other_web.post_form(confirm, {"number": "1"}, form_url=trajectory_url).status_code == 302
    assert db.session.scalar(select(DevelopmentPlanVersion)).is_agreed


def test_issue_download_identical_and_verify(web, ready, supervisor, volunteer):
    _login(web, supervisor)
    response = web.post_form(
        f"/trajecten/{ready.id}/bewijs-van-deelname", form_url=f"/trajecten/{ready.id}"
    )
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    first = web.get(f"/certificaten/{certificate.id}/pdf")
    second = web.get(f"/certificaten/{certificate.id}/pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data == certificate.pdf
    assert "attachment" in first.headers["Content-Disposition"]
    page = web.get(f"/controleren/{certificate.number}").get_data(as_text=True)
    assert "Dit bewijs is echt en geldig" in page and "Communiceren" in page


def test_issuing_before_the_interview_gives_a_message_and_changes_nothing(
    web, assessed, supervisor
):
    _login(web, supervisor)
    response = web.post_form(
        f"/trajecten/{assessed.id}/bewijs-van-deelname",
        form_url=f"/trajecten/{assessed.id}",
        follow_redirects=True,
    )
    assert "Het eindgesprek is nog niet vastgelegd." in response.get_data(as_text=True)
    assert count(Certificate) == 0


def test_issuing_twice_gives_a_message(web, issued, ready, supervisor):
    _login(web, supervisor)
    token_page = "/controleren"  # any page with a CSRF token
    # Even if other code reopened the phase, the stored certificate refuses a second one.
    db.session.get(type(ready), ready.id).phase = Phase.FINAL_INTERVIEW
    db.session.commit()
    response = web.post_form(
        f"/trajecten/{ready.id}/bewijs-van-deelname", form_url=token_page, follow_redirects=True
    )
    assert "al uitgegeven" in response.get_data(as_text=True)
    assert count(Certificate) == 1


def test_volunteer_downloads_the_badge(web, issued, volunteer):
    _login(web, volunteer)
    response = web.get(f"/certificaten/{issued.id}/badge")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert response.get_data(as_text=True).count(".") == 2


def test_revoked_badge_download_gives_a_message(web, issued, volunteer, coordinator):
    from evc.certificates import issuing

    issuing.revoke(issued, "Per vergissing uitgegeven.", actor=coordinator)
    db.session.commit()
    _login(web, volunteer)
    response = web.get(f"/certificaten/{issued.id}/badge", follow_redirects=True)
    assert "Je kunt het niet meer als badge downloaden" in response.get_data(as_text=True)


def test_coordinator_revokes_and_the_public_page_shows_it(web, client, issued, coordinator):
    _login(web, coordinator)
    response = web.post_form(
        f"/certificaten/{issued.id}/intrekken", {"reason": "Per vergissing uitgegeven."}
    )
    assert response.status_code == 302
    page = client.get(f"/controleren/{issued.number}").get_data(as_text=True)
    assert "Dit bewijs is ingetrokken" in page and "Vera Vrijwilliger" in page


def test_public_page_shows_nothing_but_the_public_facts(client, issued):
    page = client.get(f"/controleren/{issued.number}").get_data(as_text=True)
    assert "Vera Vrijwilliger" in page and "Vrijwilligerscentrum Test" in page
    for private in ("Beter samenwerken", "Samenwerken", "Sam Begeleider", "vrijwilliger@test"):
        assert private not in page


def _one_character_off(number: str) -> str:
    """A number that differs from ``number`` in its last character only."""
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def test_unknown_numbers_all_get_the_same_answer(client, issued):
    answers = {
        client.get(f"/controleren?nummer={number}").get_data(as_text=True).count("Niet gevonden")
        for number in ("AAAA-BBBB-CCCC-DDDD", "x", _one_character_off(issued.number))
    }
    assert answers == {1}  # the same answer for each


def test_uploaded_original_pdf_is_recognised_and_a_tampered_copy_is_not(web, client, issued):
    def upload(data):
        return web.post_form(
            "/controleren",
            {"file": (io.BytesIO(data), "bewijs.pdf")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    assert "Dit bewijs is echt en geldig" in upload(issued.pdf)
    tampered = issued.pdf.replace(b"Vera", b"Vero", 1)
    assert "Niet gevonden" in upload(tampered) or "Niet gevonden" in upload(issued.pdf + b"\n")


def test_upload_that_is_not_a_pdf_is_refused(web, issued):
    response = web.post_form(
        "/controleren",
        {"file": (io.BytesIO(b"<html>echt</html>"), "bewijs.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Dit is geen PDF-bestand." in response.get_data(as_text=True)


def test_upload_of_50_mb_is_refused(web, issued):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from tests.conftest import csrf_from

    token = csrf_from(web.get("/controleren").get_data(as_text=True))
    big = b"%PDF-" + b"0" * (50 * 1024 * 1024)
    upload = FileStorage(io.BytesIO(big), filename="groot.pdf", content_type="application/pdf")
    # Encoded here as bytes: the test client would otherwise spool it to a temp file that the
    # refused request never closes.
    boundary, body = encode_multipart({"csrf_token": token, "file": upload})
    assert len(body) > 50 * 1024 * 1024
    response = web.client.post(
        "/controleren", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413  # over MAX_CONTENT_LENGTH: refused before the view
    assert "Bestand te groot" in response.get_data(as_text=True)


def test_upload_far_above_the_check_limit_is_refused_before_reading(make_app, issued):
    from tests.conftest import Browserless

    app = make_app(VERIFY_MAX_UPLOAD_BYTES=1000)
    web = Browserless(app.test_client())
    with app.app_context():
        response = web.post_form(
            "/controleren",
            {"file": (io.BytesIO(b"%PDF-" + b"0" * 200_000), "groot.pdf")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 413
    assert "Dit bestand is te groot." in response.get_data(as_text=True)


def test_upload_above_the_check_limit_is_refused_with_a_message(make_app, issued):
    from tests.conftest import Browserless

    app = make_app(VERIFY_MAX_UPLOAD_BYTES=1000)
    web = Browserless(app.test_client())
    with app.app_context():
        response = web.post_form(
            "/controleren",
            {"file": (io.BytesIO(b"%PDF-" + b"0" * 5000), "groot.pdf")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 422 and "te groot" in response.get_data(as_text=True)


def test_verification_is_rate_limited_per_address(make_app, issued):
    app = make_app(VERIFY_MAX_PER_ADDRESS=3)
    client = app.test_client()
    with app.app_context():
        codes = [client.get(f"/controleren/{issued.number}").status_code for _ in range(4)]
        other = client.get(
            f"/controleren/{issued.number}", environ_base={"REMOTE_ADDR": "10.0.0.9"}
        ).status_code
    assert codes == [200, 200, 200, 429] and other == 200


def test_public_key_is_published_as_a_jwk(client, issued):
    response = client.get(f"/organisaties/{issued.organisation_id}/sleutel.json")
    key = response.get_json()["keys"][0]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and "d" not in key
    assert client.get("/organisaties/99999/sleutel.json").status_code == 404


@pytest.mark.parametrize("who", ["other_volunteer", "other_supervisor", "other_coordinator"])
def test_others_cannot_reach_the_certificate_or_the_plan(web, issued, ready, other_org, who):
    outsider = {
        "other_volunteer": lambda: factories.user(Role.VOLUNTEER, org=ready.organisation),
        "other_supervisor": lambda: factories.user(Role.SUPERVISOR, org=ready.organisation),
        "other_coordinator": lambda: factories.user(Role.COORDINATOR, org=other_org),
    }[who]()
    _login(web, outsider)
    for url in (
        f"/certificaten/{issued.id}/pdf",
        f"/certificaten/{issued.id}/badge",
        f"/certificaten/{issued.id}/intrekken",
        f"/trajecten/{ready.id}/ontwikkelplan",
        f"/trajecten/{ready.id}/eindgesprek",
    ):
        response = web.get(url)
        assert response.status_code == 404, url
        assert b"Beter samenwerken" not in response.data


def test_supervisor_may_not_revoke_and_volunteer_may_not_issue(web, issued, supervisor):
    _login(web, supervisor)
    assert web.get(f"/certificaten/{issued.id}/intrekken").status_code == 404
    assert web.get(f"/certificaten/{issued.id}/badge").status_code == 404
