"""Portfolios: Vera's evidence (a real photo and PDF) and portfolios submitted for assessment."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from functools import cache
from typing import NamedTuple

from evc.accounts.models import User
from evc.demo.common import confirmed_intake, intake, starr
from evc.portfolio import services as portfolio
from evc.portfolio.models import EvidenceItem
from evc.procedure import services as procedure
from evc.procedure.models import GoalKind, Trajectory


class Evidence(NamedTuple):
    """One piece of demo evidence; a file name says which real file comes with it."""

    kind: str
    title: str
    description: str
    competencies: list[str]
    days_ago: int
    file_name: str | None = None


VERA_EVIDENCE = (
    Evidence(
        "photo",
        "Foto van de kerstmarkt",
        "Ik regelde de kraam met zelfgemaakte hapjes en hielp nieuwe vrijwilligers op weg.",
        ["cooperating"],
        340,
        "kerstmarkt.jpg",
    ),
    Evidence(
        "document",
        "Draaiboek burendag",
        "Het draaiboek dat ik samen met twee anderen schreef.",
        ["communicating", "cooperating"],
        200,
        "Draaiboek burendag.pdf",
    ),
    Evidence(
        "story",
        "Een boze bezoeker kalmeren",
        "Situatie: een bezoeker was boos omdat de koffie op was. Taak: ik stond achter de bar. "
        "Actie: ik luisterde, bood thee aan en zette nieuwe koffie. Resultaat: hij bleef en "
        "bedankte me later. Reflectie: eerst luisteren werkt beter dan meteen uitleggen.",
        ["communicating"],
        60,
    ),
    Evidence(
        "referee_statement",
        "Verklaring van de coördinator van het buurthuis",
        "Vera is al twee jaar elke week aanwezig, komt afspraken na en meldt zich "
        "op tijd af als ze niet kan.",
        ["showing_reliability"],
        30,
    ),
)
VERA_WORK_CONTEXT = "Buurthuis De Brug"
REFEREE = {"name": "Joke de Wit", "role": "Coördinator buurthuis", "email": "joke@example.org"}
REFEREE_WORDS = "Dat klopt. Vera is een van onze meest betrouwbare vrijwilligers."

SUBMITTED_GOAL = ("Ik wil weten wat ik allemaal kan.", "Voedselbank Oost", GoalKind.SELF_INSIGHT)
# The submitted portfolio's stories: (competency, title).
SUBMITTED_STORIES = (
    ("systematic_working", "Een nieuw schema voor de uitgifte"),
    ("solving_problems", "Een oplossing voor de lange rij"),
)
SUBMITTED_STORY = (
    "Ik maakte een nieuw schema voor de uitgifte, zodat niemand lang hoefde te wachten."
)


def seed_evidence(trajectory: Trajectory) -> None:
    """A photo, a document, a STARR story and a confirmed referee statement."""
    today = date.today()
    items = [_add_evidence(trajectory, e, VERA_WORK_CONTEXT, today) for e in VERA_EVIDENCE]
    request = portfolio.request_referee(items[-1], **REFEREE, actor=trajectory.volunteer)
    portfolio.answer_referee(request, confirm=True, words=REFEREE_WORDS)


def seed_submitted(trajectory: Trajectory, supervisor: User, today: date) -> None:
    """A portfolio that passed every guard and waits for an assessor."""
    confirmed_intake(trajectory, intake(today, *SUBMITTED_GOAL), supervisor)
    _tell_submitted_stories(trajectory, today)
    for days_ago in (40, 12):
        procedure.log_guidance_session(
            trajectory,
            held_on=today - timedelta(days=days_ago),
            topics="Voorbeelden en bewijs",
            shared_notes="",
            private_notes="",
            actor=supervisor,
        )
    procedure.submit_for_assessment(trajectory, actor=trajectory.volunteer)


def _tell_submitted_stories(trajectory: Trajectory, today: date) -> None:
    """Two competencies chosen, each with a finished self-assessment and a story as evidence."""
    volunteer, work_context = trajectory.volunteer, SUBMITTED_GOAL[1]
    chosen = [competency_id for competency_id, _title in SUBMITTED_STORIES]
    procedure.choose_competencies(trajectory, chosen, actor=volunteer)
    for competency_id, title in SUBMITTED_STORIES:
        procedure.save_self_assessment(
            trajectory, competency_id, starr(3, True), version_id=None, actor=volunteer
        )
        story = Evidence("story", title, SUBMITTED_STORY, [competency_id], 90)
        _add_evidence(trajectory, story, work_context, today)


def _add_evidence(
    trajectory: Trajectory, evidence: Evidence, work_context: str, today: date
) -> EvidenceItem:
    """The volunteer adds one piece of evidence, with its real file when it names one."""
    data = {
        "kind": evidence.kind,
        "title": evidence.title,
        "description": evidence.description,
        "activity_from": today - timedelta(days=evidence.days_ago),
        "activity_to": None,
        "work_context": work_context,
    }
    return portfolio.add_evidence(
        trajectory,
        data,
        evidence.competencies,
        upload=_demo_upload(evidence.file_name),
        original_name=evidence.file_name,
        actor=trajectory.volunteer,
    )


def _demo_upload(name: str | None):
    """A checked demo file: a photo for a .jpg name, a PDF for a .pdf name, else none."""
    if name is None:
        return None
    return _demo_photo() if name.endswith(".jpg") else _demo_pdf()


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
