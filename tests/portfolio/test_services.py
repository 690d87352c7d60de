"""The portfolio's rules, called directly: what is stored, what is refused, and with what message.

Files are real (a JPEG with GPS in its EXIF, a PDF, a DOCX) and go through ``check_upload`` and
the after-commit storage, exactly as an upload through the form does. The helpers at the top
(``jpeg_with_gps``, ``MINIMAL_PDF``, ``docx_bytes``, ``stored_files``, ``temp_files``) are
shared with the view and browser tests of the portfolio.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from evc.accounts.models import Role
from evc.audit import AuditEntry
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.portfolio import services
from evc.portfolio.files import check_upload
from evc.portfolio.models import (
    EvidenceComment,
    EvidenceItem,
    EvidenceKind,
    EvidenceLink,
    RefereeRequest,
    RefereeStatus,
)
from evc.procedure.evidence import evidence_counts
from evc.procedure.phases import Phase, unmet_guards
from evc.storage import discard_on_rollback, storage, temp_dir
from tests import factories

# --- real files ----------------------------------------------------------------------------------

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"0000000115 00000 n \ntrailer << /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n"
)


def pdf_bytes(size: int = 0) -> bytes:
    """A valid PDF header and body, padded with a comment to at least ``size`` bytes."""
    if size <= len(MINIMAL_PDF):
        return MINIMAL_PDF
    return MINIMAL_PDF + b"%" + b"x" * (size - len(MINIMAL_PDF) - 2) + b"\n"


def jpeg_with_gps(size=(640, 480), colour=(200, 80, 40)) -> bytes:
    """A JPEG as a phone makes it: camera make, a date and GPS coordinates in its EXIF."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefoon"
    exif[ExifTags.Base.DateTime] = "2025:05:01 10:00:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 5.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 10.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the test file really carries the location
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="xml" '
            'ContentType="application/xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Verklaring'
            "</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(app) -> list[Path]:
    """Every file under UPLOAD_DIR except the temp folder."""
    root = upload_dir(app)
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"
    )


def temp_files(app) -> list[Path]:
    return sorted(p for p in (upload_dir(app) / "tmp").rglob("*") if p.is_file())


def checked(data: bytes):
    """``data`` as an upload that passed ``check_upload``, its temp files owned by the session."""
    path = temp_dir() / f"test-{secrets.token_hex(8)}"
    path.write_bytes(data)
    discard_on_rollback(path)
    result = check_upload(path, max_bytes=20_000_000, workdir=temp_dir())
    for extra in (result.path, result.thumbnail):
        if extra is not None and extra != path:
            discard_on_rollback(extra)
    return result


# --- fixtures and helpers ------------------------------------------------------------------------


def fields(kind: str = "story", **overrides) -> dict:
    data = {
        "kind": kind,
        "title": "Een boze bezoeker kalmeren",
        "description": "Ik luisterde, bood thee aan en zette nieuwe koffie.",
        "activity_from": date.today() - timedelta(days=30),
        "activity_to": None,
        "work_context": "Buurthuis De Linde",
    }
    data.update(overrides)
    return data


@pytest.fixture
def supervisor(org):
    return factories.user(
        Role.SUPERVISOR, org=org, name="Sam Begeleider", email="begeleider@test.example"
    )


@pytest.fixture
def recognising(org, volunteer, supervisor):
    """Vera's trajectory in recognition: intake confirmed, communicating and cooperating chosen."""
    item = factories.trajectory(
        org, volunteer=volunteer, supervisor=supervisor, phase=Phase.RECOGNITION
    )
    factories.intake(item)
    factories.choose(item, "communicating", "cooperating")
    return item


def add(
    trajectory, kind="story", competencies=("communicating",), *, data=None, name=None, **overrides
) -> EvidenceItem:
    """Add an item as the volunteer and commit (files are stored by the commit)."""
    upload = checked(data) if data is not None else None
    item = services.add_evidence(
        trajectory,
        fields(kind, **overrides),
        list(competencies),
        upload=upload,
        original_name=name,
        actor=trajectory.volunteer,
    )
    db.session.commit()
    return item


def refusal(call, *args, **kwargs) -> tuple[str, str | None]:
    """The message (and field) of the DomainError that ``call`` raises; the session is rolled
    back as the views do."""
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    return str(caught.value.message), caught.value.field


def items_of(trajectory) -> list[EvidenceItem]:
    db.session.expire_all()
    return db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.trajectory_id == trajectory.id)
    ).all()


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- adding each kind ----------------------------------------------------------------------------


def test_a_story_is_text_only_and_needs_its_description(app, recognising):
    message, field = refusal(add, recognising, "story", description="  ")
    assert (message, field) == ("Schrijf je verhaal op in de beschrijving.", "description")
    message, field = refusal(add, recognising, "story", data=MINIMAL_PDF, name="verhaal.pdf")
    assert field == "file" and message.startswith("Een verhaal is alleen tekst.")
    assert items_of(recognising) == [] and stored_files(app) == [] and temp_files(app) == []

    story = add(recognising, "story")
    assert story.kind == EvidenceKind.STORY and story.file_key is None
    assert story.competency_ids == ["communicating"]
    assert stored_files(app) == []


def test_a_photo_needs_an_image(app, recognising):
    assert refusal(add, recognising, "photo") == ("Kies een foto (JPG of PNG).", "file")
    assert refusal(add, recognising, "photo", data=MINIMAL_PDF, name="foto.pdf") == (
        "Kies een foto (JPG of PNG).",
        "file",
    )
    assert items_of(recognising) == [] and stored_files(app) == [] and temp_files(app) == []

    photo = add(recognising, "photo", data=jpeg_with_gps(), name="kerstmarkt.jpg")
    assert photo.content_type == "image/jpeg" and photo.file_name == "kerstmarkt.jpg"
    assert storage().exists(photo.file_key) and storage().exists(photo.thumbnail_key)
    assert temp_files(app) == []


def test_a_referee_statement_needs_a_description(app, recognising):
    assert refusal(add, recognising, "referee_statement", description="") == (
        "Schrijf op wat de referent kan bevestigen.",
        "description",
    )
    statement = add(recognising, "referee_statement", description="Vera komt altijd op tijd.")
    assert statement.kind == EvidenceKind.REFEREE_STATEMENT and statement.referee is None


def test_documents_certificates_and_other_evidence_take_any_allowed_file_or_none(app, recognising):
    document = add(recognising, "document", data=MINIMAL_PDF, name="draaiboek.pdf")
    certificate = add(recognising, "certificate", data=docx_bytes(), name="certificaat.docx")
    other = add(recognising, "other", description="")
    assert (document.content_type, document.thumbnail_key) == ("application/pdf", None)
    assert certificate.file_name == "certificaat.docx"
    assert certificate.content_type.endswith("wordprocessingml.document")
    assert other.file_key is None
    assert len(stored_files(app)) == 2


# --- links to competencies -----------------------------------------------------------------------


def test_an_item_links_only_to_competencies_chosen_in_its_own_trajectory(app, org, recognising):
    elsewhere = factories.trajectory(org, phase=Phase.RECOGNITION)
    factories.choose(elsewhere, "resilience")  # chosen there, not here
    assert refusal(add, recognising, competencies=()) == (
        "Kies bij welke competentie dit bewijs hoort.",
        "competencies",
    )
    for wrong in (["resilience"], ["communicating", "presentation"], ["bestaat-niet"]):
        assert refusal(add, recognising, competencies=wrong) == (
            "Kies alleen competenties die je in je traject hebt gekozen.",
            "competencies",
        )
    assert count(EvidenceItem) == 0 and count(EvidenceLink) == 0

    item = add(recognising, competencies=["cooperating", "communicating", "cooperating"])
    assert item.competency_ids == ["cooperating", "communicating"]  # a repeat is one link


def test_changing_the_links_keeps_the_item_and_replaces_the_competencies(app, recognising):
    item = add(recognising, competencies=["communicating"])
    services.update_evidence(
        item,
        fields(),
        ["cooperating"],
        upload=None,
        original_name=None,
        remove_file=False,
        version_id=item.version_id,
        actor=recognising.volunteer,
    )
    db.session.commit()
    assert items_of(recognising)[0].competency_ids == ["cooperating"]
    assert count(EvidenceLink) == 1


# --- dates and text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"title": "   "}, "Geef het bewijs een titel.", "title"),
        ({"work_context": ""}, "Vul in bij welk vrijwilligerswerk dit hoort.", "work_context"),
        ({"activity_from": None}, "Vul in wanneer het was.", "activity_from"),
        (
            {"activity_from": date.today() + timedelta(days=1)},
            "Deze datum mag niet in de toekomst liggen.",
            "activity_from",
        ),
        (
            {"activity_to": date.today() + timedelta(days=1)},
            "Deze datum mag niet in de toekomst liggen.",
            "activity_to",
        ),
        (
            {
                "activity_from": date.today() - timedelta(days=5),
                "activity_to": date.today() - timedelta(days=6),
            },
            "De einddatum mag niet vóór de begindatum liggen.",
            "activity_to",
        ),
    ],
)
def test_fields_that_make_no_sense_are_refused(app, recognising, overrides, message, field):
    assert refusal(add, recognising, **overrides) == (message, field)
    assert count(EvidenceItem) == 0


def test_today_and_a_period_ending_today_are_fine(app, recognising):
    item = add(
        recognising,
        activity_from=date.today() - timedelta(days=3),
        activity_to=date.today(),
        title="  Drie dagen kamp  ",
    )
    assert item.title == "Drie dagen kamp"
    assert (item.activity_to - item.activity_from).days == 3


# --- evidence counts reach the procedure ---------------------------------------------------------


def test_the_procedure_counts_the_evidence_per_competency(app, org, recognising):
    other = factories.trajectory(org, phase=Phase.RECOGNITION)
    factories.choose(other, "communicating")
    add(recognising, competencies=["communicating", "cooperating"])
    add(recognising, competencies=["communicating"])
    add(other, competencies=["communicating"])
    assert evidence_counts([recognising.id, other.id]) == {
        recognising.id: {"communicating": 2, "cooperating": 1},
        other.id: {"communicating": 1},
    }
    assert evidence_counts([]) == {}


def test_the_submission_guard_sees_evidence_added_to_the_portfolio(app, org):
    trajectory = factories.ready_for_submission(org, "communicating", "cooperating")

    def missing():
        db.session.expire_all()
        trajectory._progress = None
        return [
            str(m)
            for m in unmet_guards(db.session.get(type(trajectory), trajectory.id), Phase.ASSESSMENT)
        ]

    assert missing() == ["Er is nog geen bewijs voor: Communiceren, Samenwerken."]
    add(trajectory, competencies=["communicating"])
    assert missing() == ["Er is nog geen bewijs voor: Samenwerken."]
    add(trajectory, competencies=["cooperating"])
    assert missing() == []


# --- files: replacing, removing, quota -----------------------------------------------------------


def test_a_new_file_replaces_the_old_one_which_is_deleted_only_after_the_commit(app, recognising):
    item = add(recognising, "photo", data=jpeg_with_gps(), name="oud.jpg")
    old_file, old_thumb = item.file_key, item.thumbnail_key
    services.update_evidence(
        item,
        fields("document"),
        ["communicating"],
        upload=checked(MINIMAL_PDF),
        original_name="nieuw.pdf",
        remove_file=False,
        version_id=item.version_id,
        actor=recognising.volunteer,
    )
    db.session.flush()
    assert storage().exists(old_file) and storage().exists(old_thumb)  # not before the commit
    db.session.commit()
    assert not storage().exists(old_file) and not storage().exists(old_thumb)
    item = items_of(recognising)[0]
    assert (item.file_name, item.content_type, item.thumbnail_key) == (
        "nieuw.pdf",
        "application/pdf",
        None,
    )
    assert item.file_sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert [p.name for p in stored_files(app)] == [Path(item.file_key).name]
    assert temp_files(app) == []


def test_a_replacement_that_is_rolled_back_keeps_the_old_file_and_leaves_no_new_one(
    app, recognising
):
    item = add(recognising, "document", data=MINIMAL_PDF, name="oud.pdf")
    before = stored_files(app)
    services.update_evidence(
        item,
        fields("photo"),
        ["communicating"],
        upload=checked(jpeg_with_gps()),
        original_name="nieuw.jpg",
        remove_file=False,
        version_id=item.version_id,
        actor=recognising.volunteer,
    )
    db.session.rollback()
    assert stored_files(app) == before and temp_files(app) == []
    assert items_of(recognising)[0].file_name == "oud.pdf"


def test_removing_the_file_keeps_the_item(app, recognising):
    item = add(recognising, "document", data=MINIMAL_PDF, name="oud.pdf")
    services.update_evidence(
        item,
        fields("document"),
        ["communicating"],
        upload=None,
        original_name=None,
        remove_file=True,
        version_id=item.version_id,
        actor=recognising.volunteer,
    )
    db.session.commit()
    item = items_of(recognising)[0]
    assert (item.file_key, item.file_name, item.file_size, item.file_sha256) == (
        None,
        None,
        0,
        None,
    )
    assert stored_files(app) == []


def test_a_photo_cannot_lose_its_image(app, recognising):
    item = add(recognising, "photo", data=jpeg_with_gps(), name="foto.jpg")
    assert refusal(
        services.update_evidence,
        item,
        fields("photo"),
        ["communicating"],
        upload=None,
        original_name=None,
        remove_file=True,
        version_id=item.version_id,
        actor=recognising.volunteer,
    ) == ("Kies een foto (JPG of PNG).", "file")
    assert len(stored_files(app)) == 2


def test_a_stale_version_is_refused_and_nothing_changes(app, recognising):
    item = add(recognising, title="Eerste titel")
    stale = item.version_id
    services.update_evidence(
        item,
        fields(title="Tweede titel"),
        ["communicating"],
        upload=None,
        original_name=None,
        remove_file=False,
        version_id=stale,
        actor=recognising.volunteer,
    )
    db.session.commit()
    message, _field = refusal(
        services.update_evidence,
        item,
        fields(title="Derde titel"),
        ["communicating"],
        upload=None,
        original_name=None,
        remove_file=False,
        version_id=stale,
        actor=recognising.volunteer,
    )
    assert message.startswith("Iemand anders heeft dit intussen opgeslagen.")
    assert items_of(recognising)[0].title == "Tweede titel"


def test_the_portfolio_has_a_quota_for_all_files_together(app, recognising):
    app.config["MAX_PORTFOLIO_BYTES"] = 2_000_000
    first = add(recognising, "document", data=pdf_bytes(1_200_000), name="een.pdf")
    assert services.portfolio_bytes(recognising) == first.file_size == 1_200_000
    message, field = refusal(add, recognising, "document", data=pdf_bytes(900_000), name="twee.pdf")
    assert field == "file" and message.startswith("Je portfolio is vol")
    assert "hoogstens 2 MB" in message
    assert count(EvidenceItem) == 1 and len(stored_files(app)) == 1 and temp_files(app) == []
    # Replacing the only file with one of the same size fits: the old one no longer counts.
    services.update_evidence(
        first,
        fields("document"),
        ["communicating"],
        upload=checked(pdf_bytes(1_900_000)),
        original_name="groter.pdf",
        remove_file=False,
        version_id=first.version_id,
        actor=recognising.volunteer,
    )
    db.session.commit()
    assert services.portfolio_bytes(recognising) == 1_900_000
    assert len(stored_files(app)) == 1


# --- removing ------------------------------------------------------------------------------------


def test_removing_an_item_removes_its_links_comments_referee_and_files(
    app, recognising, supervisor
):
    photo = add(
        recognising,
        "photo",
        data=jpeg_with_gps(),
        name="foto.jpg",
        competencies=["communicating", "cooperating"],
    )
    statement = add(recognising, "referee_statement", description="Vera is betrouwbaar.")
    services.add_comment(photo, "Mooie foto!", actor=supervisor)
    services.request_referee(
        statement,
        name="Joke",
        role="Coördinator",
        email="joke@test.example",
        actor=recognising.volunteer,
    )
    db.session.commit()
    services.remove_evidence(photo, actor=recognising.volunteer)
    services.remove_evidence(statement, actor=recognising.volunteer)
    db.session.commit()
    assert count(EvidenceItem) == count(EvidenceLink) == 0
    assert count(EvidenceComment) == count(RefereeRequest) == 0
    assert stored_files(app) == [] and temp_files(app) == []
    removed = db.session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "evidence.removed")
    ).all()
    assert {d["title"] for d in removed} == {"Een boze bezoeker kalmeren"}


# --- after submission ----------------------------------------------------------------------------


def test_after_submission_nothing_in_the_portfolio_can_be_changed(app, recognising):
    item = add(recognising, "document", data=MINIMAL_PDF, name="verslag.pdf")
    statement = add(recognising, "referee_statement", description="Vera is betrouwbaar.")
    recognising.phase = Phase.ASSESSMENT
    db.session.commit()
    before = stored_files(app)
    submitted = "Het portfolio is ingediend. Je kunt het pas weer aanpassen als de beoordelaar"
    volunteer = recognising.volunteer
    attempts = [
        lambda: add(recognising, title="Te laat"),
        lambda: services.update_evidence(
            item,
            fields("document", title="Gewijzigd"),
            ["communicating"],
            upload=checked(pdf_bytes(5000)),
            original_name="nieuw.pdf",
            remove_file=False,
            version_id=item.version_id,
            actor=volunteer,
        ),
        lambda: services.remove_evidence(item, actor=volunteer),
        lambda: services.request_referee(
            statement, name="Joke", role="Coördinator", email="joke@test.example", actor=volunteer
        ),
    ]
    for attempt in attempts:
        message, _field = refusal(attempt)
        assert message.startswith(submitted)
    assert [i.title for i in items_of(recognising)] == [
        "Een boze bezoeker kalmeren",
        "Een boze bezoeker kalmeren",
    ]
    assert items_of(recognising)[0].file_name == "verslag.pdf"
    assert stored_files(app) == before and temp_files(app) == []
    assert count(RefereeRequest) == 0


# --- referees ------------------------------------------------------------------------------------


def _token_from_outbox(address: str) -> str:
    body = db.session.scalars(
        select(OutboxMessage.body)
        .where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id.desc())
    ).first()
    marker = "/verklaring/"
    return body.split(marker, 1)[1].split()[0]


def test_a_referee_is_mailed_a_single_use_link(app, org, recognising):
    statement = add(recognising, "referee_statement", description="Vera is betrouwbaar.")
    request = services.request_referee(
        statement,
        name=" Joke de Wit ",
        role="Coördinator",
        email=" Joke@Test.Example ",
        actor=recognising.volunteer,
    )
    db.session.commit()
    assert (request.referee_name, request.referee_email) == ("Joke de Wit", "joke@test.example")
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert (mail.to_address, mail.organisation_id, mail.recipient_id) == (
        "joke@test.example",
        org.id,
        None,
    )
    assert mail.subject == "Vera Vrijwilliger vraagt je om een verklaring"
    assert "De link werkt 14 dagen en maar één keer." in mail.body
    token = _token_from_outbox("joke@test.example")
    assert request.token_hash != token  # only a digest is stored
    assert services.find_referee_request(token) is request

    services.answer_referee(request, confirm=True, words="Dat klopt.")
    db.session.commit()
    assert services.find_referee_request(token) is None
    request = db.session.get(RefereeRequest, request.id)
    assert (request.status, request.referee_words) == (RefereeStatus.CONFIRMED, "Dat klopt.")
    assert request.responded_at is not None and request.token_hash is None
    answered = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == recognising.volunteer_id)
    ).one()
    assert "Joke de Wit heeft je verklaring „Een boze bezoeker kalmeren” bevestigd." in (
        answered.body
    )
    assert refusal(
        services.request_referee,
        statement,
        name="Piet",
        role="Buur",
        email="piet@test.example",
        actor=recognising.volunteer,
    ) == (
        "Deze verklaring is al bevestigd.",
        None,
    )


def test_declining_needs_a_reason_and_asking_again_makes_the_old_link_useless(app, recognising):
    statement = add(recognising, "referee_statement", description="Vera is betrouwbaar.")
    request = services.request_referee(
        statement,
        name="Joke",
        role="Coördinator",
        email="joke@test.example",
        actor=recognising.volunteer,
    )
    db.session.commit()
    old = _token_from_outbox("joke@test.example")
    assert refusal(services.answer_referee, request, confirm=False, words="  ") == (
        "Schrijf kort waarom je dit niet kunt bevestigen.",
        "words",
    )
    request = services.find_referee_request(old)
    services.answer_referee(request, confirm=False, words="Ik ken Vera niet goed genoeg.")
    db.session.commit()
    assert db.session.get(RefereeRequest, request.id).status == RefereeStatus.DECLINED

    services.request_referee(
        statement,
        name="Piet",
        role="Buurman",
        email="piet@test.example",
        actor=recognising.volunteer,
    )
    db.session.commit()
    new = _token_from_outbox("piet@test.example")
    assert services.find_referee_request(old) is None
    again = services.find_referee_request(new)
    assert (again.referee_name, again.status, again.referee_words) == (
        "Piet",
        RefereeStatus.PENDING,
        "",
    )
    assert count(RefereeRequest) == 1


def test_an_expired_or_unknown_link_finds_nothing(app, recognising):
    statement = add(recognising, "referee_statement", description="Vera is betrouwbaar.")
    request = services.request_referee(
        statement,
        name="Joke",
        role="Coördinator",
        email="joke@test.example",
        actor=recognising.volunteer,
    )
    db.session.commit()
    token = _token_from_outbox("joke@test.example")
    request.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert services.find_referee_request(token) is None
    assert services.find_referee_request("") is None
    assert services.find_referee_request(token[:-1]) is None


def test_a_referee_is_asked_only_for_a_statement(app, recognising):
    story = add(recognising, "story")
    assert refusal(
        services.request_referee,
        story,
        name="Joke",
        role="Coördinator",
        email="joke@test.example",
        actor=recognising.volunteer,
    ) == (
        "Een referent vraag je alleen bij een verklaring.",
        None,
    )
    assert count(RefereeRequest) == 0 and count(OutboxMessage) == 0


# --- comments and access -------------------------------------------------------------------------


def test_a_comment_mails_the_other_party(app, recognising, supervisor, volunteer):
    item = add(recognising)
    assert refusal(services.add_comment, item, "   ", actor=supervisor) == (
        "Schrijf eerst een reactie.",
        "body",
    )
    services.add_comment(item, "Kun je er een foto bij doen?", actor=supervisor)
    services.add_comment(item, "Ja, die voeg ik toe.", actor=volunteer)
    db.session.commit()
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.to_address, m.subject) for m in mails] == [
        ("vrijwilliger@test.example", "Nieuwe reactie op „Een boze bezoeker kalmeren”"),
        ("begeleider@test.example", "Nieuwe reactie op „Een boze bezoeker kalmeren”"),
    ]
    assert "Sam Begeleider heeft gereageerd" in mails[0].body
    assert "Vera Vrijwilliger heeft gereageerd" in mails[1].body
    assert f"/bewijs/{item.id}" in mails[0].body


def test_only_others_opening_an_item_is_recorded(app, recognising, supervisor, volunteer):
    item = add(recognising)
    services.record_access(item, actor=volunteer, what="viewed")
    services.record_access(item, actor=supervisor, what="viewed")
    services.record_access(item, actor=supervisor, what="downloaded")
    db.session.commit()
    rows = db.session.execute(
        select(AuditEntry.action, AuditEntry.actor_id)
        .where(AuditEntry.action.in_(("evidence.viewed", "evidence.downloaded")))
        .order_by(AuditEntry.id)
    ).all()
    assert rows == [("evidence.viewed", supervisor.id), ("evidence.downloaded", supervisor.id)]
