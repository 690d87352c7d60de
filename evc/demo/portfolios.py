"""Portfolios: Vera's evidence (a real photo and PDF) and portfolios submitted for assessment."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from functools import cache

from evc.demo.common import intake, starr
from evc.procedure import services as procedure
from evc.procedure.models import GoalKind


def seed_evidence(trajectory) -> None:
    """A photo, a document, a STARR story and a confirmed referee statement."""
    from evc.portfolio import services as portfolio

    volunteer, today = trajectory.volunteer, date.today()

    def item(kind, title, description, competencies, days_ago, upload=None, name=None):
        return portfolio.add_evidence(
            trajectory,
            {
                "kind": kind,
                "title": title,
                "description": description,
                "activity_from": today - timedelta(days=days_ago),
                "activity_to": None,
                "work_context": "Buurthuis De Brug",
            },
            competencies,
            upload=upload,
            original_name=name,
            actor=volunteer,
        )

    item(
        "photo",
        "Foto van de kerstmarkt",
        "Ik regelde de kraam met zelfgemaakte hapjes en hielp nieuwe vrijwilligers op weg.",
        ["cooperating"],
        340,
        _demo_photo(),
        "kerstmarkt.jpg",
    )
    item(
        "document",
        "Draaiboek burendag",
        "Het draaiboek dat ik samen met twee anderen schreef.",
        ["communicating", "cooperating"],
        200,
        _demo_pdf(),
        "Draaiboek burendag.pdf",
    )
    item(
        "story",
        "Een boze bezoeker kalmeren",
        "Situatie: een bezoeker was boos omdat de koffie op was. Taak: ik stond achter de bar. "
        "Actie: ik luisterde, bood thee aan en zette nieuwe koffie. Resultaat: hij bleef en "
        "bedankte me later. Reflectie: eerst luisteren werkt beter dan meteen uitleggen.",
        ["communicating"],
        60,
    )
    statement = item(
        "referee_statement",
        "Verklaring van de coördinator van het buurthuis",
        "Vera is al twee jaar elke week aanwezig, komt afspraken na en meldt zich "
        "op tijd af als ze niet kan.",
        ["showing_reliability"],
        30,
    )
    request = portfolio.request_referee(
        statement,
        name="Joke de Wit",
        role="Coördinator buurthuis",
        email="joke@example.org",
        actor=volunteer,
    )
    portfolio.answer_referee(
        request,
        confirm=True,
        words="Dat klopt. Vera is een van onze meest betrouwbare vrijwilligers.",
    )


def seed_submitted(trajectory, supervisor, today) -> None:
    """A portfolio that passed every guard and waits for an assessor."""
    from evc.portfolio import services as portfolio

    volunteer = trajectory.volunteer
    procedure.record_intake(
        trajectory,
        intake(
            today, "Ik wil weten wat ik allemaal kan.", "Voedselbank Oost", GoalKind.SELF_INSIGHT
        ),
        actor=supervisor,
    )
    procedure.confirm_intake(trajectory, version_id=trajectory.intake.version_id, actor=volunteer)
    procedure.choose_competencies(
        trajectory, ["systematic_working", "solving_problems"], actor=volunteer
    )
    for competency_id, title in (
        ("systematic_working", "Een nieuw schema voor de uitgifte"),
        ("solving_problems", "Een oplossing voor de lange rij"),
    ):
        procedure.save_self_assessment(
            trajectory, competency_id, starr(3, True), version_id=None, actor=volunteer
        )
        portfolio.add_evidence(
            trajectory,
            {
                "kind": "story",
                "title": title,
                "description": "Ik maakte een nieuw schema voor de uitgifte, zodat niemand lang "
                "hoefde te wachten.",
                "activity_from": today - timedelta(days=90),
                "activity_to": None,
                "work_context": "Voedselbank Oost",
            },
            [competency_id],
            upload=None,
            original_name=None,
            actor=volunteer,
        )
    for days_ago in (40, 12):
        procedure.log_guidance_session(
            trajectory,
            held_on=today - timedelta(days=days_ago),
            topics="Voorbeelden en bewijs",
            shared_notes="",
            private_notes="",
            actor=supervisor,
        )
    procedure.submit_for_assessment(trajectory, actor=volunteer)


def _demo_photo():
    """A real JPEG made on the spot, checked like any upload."""
    from PIL import Image, ImageDraw

    from evc.portfolio.files import check_upload
    from evc.storage import discard_on_rollback, temp_dir

    path = temp_dir() / f"demo-{secrets.token_hex(8)}.jpg"
    image = Image.new("RGB", (800, 600), (230, 240, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 220, 680, 520), fill=(180, 60, 50))
    draw.polygon([(100, 230), (400, 80), (700, 230)], fill=(40, 120, 60))
    image.save(path, "JPEG")
    discard_on_rollback(path)
    return _checked(check_upload(path, max_bytes=20_000_000, workdir=temp_dir()))


@cache
def _demo_pdf_bytes() -> bytes:
    """Rendered once per process: seeding runs for every browser test."""
    from weasyprint import HTML

    return HTML(
        string="<h1>Draaiboek burendag</h1><p>09.00 opbouw, 11.00 koffie, 14.00 spelletjes, "
        "17.00 opruimen.</p>"
    ).write_pdf()


def _demo_pdf():
    from evc.portfolio.files import check_upload
    from evc.storage import discard_on_rollback, temp_dir

    path = temp_dir() / f"demo-{secrets.token_hex(8)}.pdf"
    path.write_bytes(_demo_pdf_bytes())
    discard_on_rollback(path)
    return _checked(check_upload(path, max_bytes=20_000_000, workdir=temp_dir()))


def _checked(checked):
    from evc.storage import discard_on_rollback

    for extra in (checked.path, checked.thumbnail):
        if extra is not None:
            discard_on_rollback(extra)
    return checked
