"""Issuing the certificate: the PDF read back, bad input, nothing half-written, immutability."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from evc.certificates import issuing, pdf
from evc.certificates.models import Certificate, IssuedRecordChanged
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.procedure.models import PhaseChange
from evc.procedure.phases import Phase
from tests.assessment import actions, count, mails_to, refusal
from tests.certificates.conftest import agree_plan, next_request, record_interview
from tests.certificates.pdfcheck import link_targets, qr_encodes, qr_images, reader, text_of


def test_issued_pdf_names_holder_competencies_plan_and_number(issued, ready):
    text = text_of(issued.pdf)
    assert "Vera Vrijwilliger" in text
    assert "Communiceren" in text  # demonstrated: listed with its definition
    assert "Je luistert goed naar anderen" in text
    assert "Erkende competenties" in text
    assert "Beter samenwerken in het team" in text  # the agreed plan
    assert "Sam Begeleider" in text and "Anna Beoordelaar" in text
    assert issued.number in text
    recognised = text.split("Erkende competenties")[1].split("Betrokken")[0]
    assert "Samenwerken" not in recognised  # not yet demonstrated: not recognised


def test_qr_code_and_link_lead_to_the_public_verification_page(issued):
    url = f"http://localhost/controleren/{issued.number}"
    assert url in link_targets(issued.pdf)
    images = qr_images(issued.pdf)
    assert len(images) == 1 and qr_encodes(images[0], url)
    assert not qr_encodes(images[0], url + "X")


def test_pdf_is_tagged_with_title_author_and_language(issued):
    document = reader(issued.pdf)
    assert document.metadata.title == "Bewijs van deelname EVC-A – Vera Vrijwilliger"
    assert document.metadata.author == "Vrijwilligerscentrum Test"
    root = document.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "nl" and "/StructTreeRoot" in root
    assert len(document.pages) == 2 and document.pages[0].mediabox.width == pytest.approx(
        595.28, abs=1
    )


def test_issue_stores_hash_completes_the_trajectory_and_tells_the_volunteer(
    issued, ready, volunteer
):
    assert issued.sha256 == hashlib.sha256(issued.pdf).hexdigest()
    assert db.session.get(type(ready), ready.id).phase == Phase.COMPLETED
    assert "certificate.issued" in actions()
    mail = mails_to(volunteer)[-1]
    assert mail.subject == "Je bewijs van deelname is klaar" and issued.number in mail.body


def test_certificate_number_is_random_and_well_formed(app):
    numbers = {issuing.new_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(len(n) == 19 and n.count("-") == 3 for n in numbers)
    assert issuing.normalise_number(" c6w5 ez g5-yvzb-ydzr ") == "C6W5-EZG5-YVZB-YDZR"


def test_display_name_with_markup_prints_literally(ready, supervisor, volunteer):
    volunteer.display_name = '<img src="file:///etc/passwd"> {{7*7}}'
    db.session.commit()
    certificate = issuing.issue_certificate(ready, actor=supervisor)
    text = " ".join(text_of(certificate.pdf).split())
    assert '<img src="file:///etc/passwd"> {{7*7}}' in text
    assert len(qr_images(certificate.pdf)) == 1  # no image was fetched from the file system


def test_fetcher_serves_static_and_data_only(app, tmp_path):
    fetcher = pdf.StaticOnlyFetcher(pdf.static_root())
    css = (pdf.static_root() / "css" / "certificate.css").as_uri()
    assert b"@page" in fetcher.fetch(css).read()
    for url in (
        "file:///etc/passwd",
        "http://169.254.169.254/",
        (pdf.static_root() / ".." / "pyproject.toml").as_uri(),
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_issue_before_interview_and_plan_is_refused_and_changes_nothing(assessed, supervisor):
    message = refusal(issuing.issue_certificate, assessed, actor=supervisor)
    assert "eindgesprek is nog niet vastgelegd" in message
    assert "plan nog niet bevestigd" in message
    assert (
        count(Certificate) == 0 and count(PhaseChange, PhaseChange.to_phase == Phase.COMPLETED) == 0
    )


def test_issue_with_a_plan_confirmed_by_one_only_is_refused(assessed, supervisor, volunteer):
    from evc.certificates import services

    record_interview(assessed, supervisor)
    plan = services.save_plan(
        assessed, [{"goal": "Doel", "target_date": None}], version_id=None, actor=supervisor
    )
    next_request()
    services.confirm_plan(assessed, number=plan.number, actor=volunteer)
    next_request()
    assert "plan nog niet bevestigd" in refusal(
        issuing.issue_certificate, assessed, actor=supervisor
    )
    assert count(Certificate) == 0


def test_issuing_twice_is_refused(issued, ready, supervisor):
    assert "al uitgegeven" in refusal(issuing.issue_certificate, ready, actor=supervisor)
    assert count(Certificate) == 1


def test_a_failed_render_leaves_no_row_and_no_mail(ready, supervisor, monkeypatch):
    def broken(_html):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(issuing, "render_pdf", broken)
    mails = count(OutboxMessage)
    with pytest.raises(RuntimeError):
        issuing.issue_certificate(ready, actor=supervisor)
    db.session.rollback()
    assert count(Certificate) == 0 and count(OutboxMessage) == mails
    assert db.session.get(type(ready), ready.id).phase == Phase.FINAL_INTERVIEW


def test_issued_certificate_cannot_be_changed_or_deleted(issued):
    issued.holder_name = "Iemand anders"
    with pytest.raises(IssuedRecordChanged):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Certificate, issued.id))
    with pytest.raises(IssuedRecordChanged):
        db.session.flush()


def test_revocation_is_recorded_once_with_its_reason(issued, coordinator, volunteer):
    issuing.revoke(issued, "Per vergissing uitgegeven.", actor=coordinator)
    next_request()
    stored = db.session.scalar(select(Certificate))
    assert stored.is_revoked and stored.revocation_reason == "Per vergissing uitgegeven."
    assert "al ingetrokken" in refusal(issuing.revoke, stored, "Nog een keer.", actor=coordinator)
    assert mails_to(volunteer)[-1].subject == "Je bewijs van deelname is ingetrokken"
    stored.revoked_at = None
    with pytest.raises(IssuedRecordChanged):
        db.session.flush()


def test_revocation_needs_a_reason(issued, coordinator):
    assert "waarom" in refusal(issuing.revoke, issued, "  ", actor=coordinator)


def test_a_later_plan_change_keeps_the_certificate_plan(issued, ready, supervisor, volunteer):
    from evc.certificates import services

    current = services.current_plan(ready)
    services.save_plan(
        ready,
        [{"goal": "Een heel nieuw doel", "target_date": None}],
        version_id=current.version_id,
        actor=supervisor,
    )
    next_request()
    stored = db.session.get(Certificate, issued.id)
    assert stored.plan_version_id == current.id
    assert "Een heel nieuw doel" not in text_of(stored.pdf)
    data = issuing.badge_data(stored)
    assert (
        "Beter samenwerken" in data["plan_narrative"] and "nieuw doel" not in data["plan_narrative"]
    )


def test_english_volunteer_gets_an_english_certificate(ready, supervisor, volunteer):
    volunteer.language = "en"
    db.session.commit()
    certificate = issuing.issue_certificate(ready, actor=supervisor)
    text = text_of(certificate.pdf)
    assert "Communicating" in text
    assert reader(certificate.pdf).trailer["/Root"]["/Lang"] == "en"


def test_agree_plan_helper_is_really_agreed(assessed, supervisor, volunteer):
    assert agree_plan(assessed, supervisor, volunteer).number == 1
