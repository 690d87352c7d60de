"""Demo data for a newcomer: two organisations and one account per role. Never in production."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from functools import cache

from sqlalchemy import func, select

from evc.accounts import services
from evc.accounts.models import OrganisationKind, Role, User
from evc.accounts.passwords import hash_password
from evc.db import utcnow
from evc.extensions import db
from evc.procedure import services as procedure
from evc.procedure.models import GoalKind

VOLUNTEER_ORG = "Vrijwilligerscentrum De Brug"
ASSESSMENT_ORG = "Beoordelaarspool Regio Midden"

# (e-mail, display name, organisation, roles)
DEMO_ACCOUNTS = (
    ("coordinator@example.org", "Carla Coördinator", VOLUNTEER_ORG, (Role.COORDINATOR,)),
    ("begeleider@example.org", "Bram Begeleider", VOLUNTEER_ORG, (Role.SUPERVISOR,)),
    ("beoordelaar@example.org", "Bea Beoordelaar", ASSESSMENT_ORG, (Role.ASSESSOR,)),
    ("vrijwilliger@example.org", "Vera Vrijwilliger", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("deelnemer@example.org", "Daan Deelnemer", VOLUNTEER_ORG, (Role.CLIENT,)),
    ("ilse@example.org", "Ilse Jansen", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("ahmed@example.org", "Ahmed El Amrani", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("femke@example.org", "Femke Bakker", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("samira@example.org", "Samira Haddou", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("lotte@example.org", "Lotte de Boer", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
)


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count(User.id))) == 0


def seed_demo(password: str | None) -> str:
    """Create the demo organisations and accounts; returns the password they share."""
    password = password or generate_password()
    password_hash = hash_password(password)
    organisations = {
        VOLUNTEER_ORG: services.create_organisation(
            VOLUNTEER_ORG, OrganisationKind.VOLUNTEER, actor=None
        ),
        ASSESSMENT_ORG: services.create_organisation(
            ASSESSMENT_ORG, OrganisationKind.ASSESSMENT, actor=None
        ),
    }
    assessment = organisations[ASSESSMENT_ORG]
    for email, name, organisation_name, roles in DEMO_ACCOUNTS:
        user = User(email=email, display_name=name, language="nl", password_hash=password_hash)
        db.session.add(user)
        db.session.flush()
        for role in roles:
            services.add_role(user, organisations[organisation_name], role, actor=None)
    # The assessment pool needs a coordinator too, so that it can be managed.
    coordinator = services.find_user_by_email("coordinator@example.org")
    services.add_role(coordinator, assessment, Role.COORDINATOR, actor=None)
    db.session.flush()
    _seed_trajectories(organisations[VOLUNTEER_ORG])
    _seed_protocols(organisations[VOLUNTEER_ORG])
    _seed_participation(organisations[VOLUNTEER_ORG], password_hash)
    return password


def _seed_trajectories(organisation) -> None:
    """One volunteer in each phase built so far, so every screen has something to show."""
    find = services.find_user_by_email
    coordinator, supervisor = find("coordinator@example.org"), find("begeleider@example.org")
    today = date.today()

    def start(email):
        return procedure.start_trajectory(
            organisation, volunteer=find(email), supervisor=supervisor, actor=coordinator
        )

    # Intake not held yet, and nothing happened for five weeks: shows as stalled.
    waiting = start("ilse@example.org")
    waiting.last_activity_at = utcnow() - timedelta(days=35)
    # Intake recorded, waiting for the volunteer to confirm.
    recorded = start("ahmed@example.org")
    procedure.record_intake(
        recorded,
        _intake(today, "Ik wil een baan in de zorg vinden.", "Zorgcentrum De Linde", GoalKind.JOB),
        actor=supervisor,
    )
    # Recognition under way: competencies chosen, two self-assessments done, one draft.
    vera = start("vrijwilliger@example.org")
    procedure.record_intake(
        vera,
        _intake(
            today,
            "Ik wil laten zien wat ik kan, zodat ik een opleiding tot gastvrouw kan volgen.",
            "Buurthuis De Brug",
            GoalKind.COURSE,
        ),
        actor=supervisor,
    )
    procedure.confirm_intake(vera, version_id=vera.intake.version_id, actor=vera.volunteer)
    procedure.choose_competencies(
        vera, ["communicating", "cooperating", "showing_reliability"], actor=vera.volunteer
    )
    for competency_id, rating, done in (
        ("communicating", 3, True),
        ("cooperating", 4, True),
        ("showing_reliability", 2, False),
    ):
        procedure.save_self_assessment(
            vera, competency_id, _starr(rating, done), version_id=None, actor=vera.volunteer
        )
    for days_ago, topics in (
        (20, "Competenties kiezen en voorbeelden zoeken"),
        (6, "STARR-voorbeelden bespreken"),
    ):
        procedure.log_guidance_session(
            vera,
            held_on=today - timedelta(days=days_ago),
            topics=topics,
            shared_notes="Goed bezig. Volgende keer kijken we naar bewijsstukken.",
            private_notes="Vera twijfelt nog aan zichzelf.",
            actor=supervisor,
        )
    _seed_evidence(vera)
    femke = start("femke@example.org")
    _seed_submitted(femke, supervisor, today)
    _seed_assessment(femke, start("samira@example.org"), supervisor, coordinator, today)
    procedure.log_group_meeting(
        organisation,
        held_on=today - timedelta(days=25),
        topic="Kennismaking met EVC-A",
        trajectories=[vera, recorded],
        attendance={vera.id: True, recorded.id: False},
        actor=supervisor,
    )
    _seed_completed(start("lotte@example.org"), supervisor, coordinator, today)


def _seed_protocols(organisation) -> None:
    """The seed protocols in De Brug; Bram also instructs (and may clear reserved acts). Vera
    holds one valid clearance, one that expires soon and one that has expired."""
    from evc.protocols import services as protocols
    from evc.protocols.loader import item_hash
    from evc.protocols.models import VogStatus
    from evc.protocols.services import Observation
    from evc.protocols.status import add_months

    find = services.find_user_by_email
    coordinator, bram, vera = (
        find("coordinator@example.org"),
        find("begeleider@example.org"),
        find("vrijwilliger@example.org"),
    )
    services.add_role(bram, organisation, Role.INSTRUCTOR, actor=coordinator)
    protocols.set_reserved_act_authorisation(organisation, bram, True, actor=coordinator)
    library = {p.key: p for p in protocols.import_library(organisation, actor=coordinator)}
    today = date.today()
    protocols.set_vog(
        organisation,
        vera,
        status=VogStatus.RECEIVED,
        requested_on=today - timedelta(days=430),
        issued_on=today - timedelta(days=420),
        expected_version_id=None,
        actor=coordinator,
    )
    for key, granted_on in (
        ("walking_support", today - timedelta(days=100)),
        ("wheelchair_transfer", add_months(today + timedelta(days=12), -24)),
        ("eating_and_drinking", add_months(today - timedelta(days=30), -12)),
    ):
        protocol = library[key]
        version = protocols.current_version(protocol)
        clearance = protocols.start_clearance(organisation, vera, protocol, actor=bram)
        protocols.acknowledge_knowledge(
            clearance, version, [item_hash(t) for t in version.know], actor=vera, on=granted_on
        )
        protocols.record_instruction(
            clearance,
            version,
            instructed_on=granted_on,
            observations={item_hash(t): Observation(True, granted_on, "") for t in version.skills},
            confirmed_resources={item_hash(t) for t in version.confirmable_resources},
            expected_version_id=None,
            actor=bram,
            on=granted_on,
        )
        protocols.grant_clearance(
            clearance,
            version,
            valid_until=add_months(granted_on, version.validity_months),
            client_reference="",
            expected_version_id=None,
            actor=bram,
            on=granted_on,
        )


def _seed_evidence(trajectory) -> None:
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


def _seed_submitted(trajectory, supervisor, today) -> None:
    """A portfolio that passed every guard and waits for an assessor."""
    from evc.portfolio import services as portfolio

    volunteer = trajectory.volunteer
    procedure.record_intake(
        trajectory,
        _intake(
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
            trajectory, competency_id, _starr(3, True), version_id=None, actor=volunteer
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


def _seed_assessment(waiting, assessed, supervisor, coordinator, today) -> None:
    """Femke's portfolio waits for the demo assessor's declaration; Samira's is assessed and
    waits for the final interview."""
    from evc.assessment import services as assessment

    assessor = services.find_user_by_email("beoordelaar@example.org")
    assessment.assign_assessor(waiting, assessor, actor=coordinator)
    _seed_submitted(assessed, supervisor, today)
    assignment = assessment.assign_assessor(assessed, assessor, actor=coordinator)
    assessment.declare_independent(assignment, actor=assessor)
    assessment.confirm_complete(assignment, actor=assessor)
    yes = {"sufficient": True, "note": ""}
    for competency_id, verdict, motivation, advice, quantity in (
        (
            "systematic_working",
            "demonstrated",
            "Het nieuwe schema voor de uitgifte laat goed zien dat Samira vooruit plant en "
            "overzicht houdt. Het voorbeeld is concreet en recent.",
            "",
            yes,
        ),
        (
            "solving_problems",
            "not_yet",
            "Het voorbeeld is goed, maar er is maar één bewijsstuk en het komt uit dezelfde "
            "situatie. Daarmee is nog niet te zien dat Samira dit vaker en op andere plekken doet.",
            "Verzamel een tweede voorbeeld uit een andere situatie, bijvoorbeeld van de "
            "inzamelactie, en vraag een collega om een verklaring.",
            {"sufficient": False, "note": "Eén stuk bewijs."},
        ),
    ):
        assessment.save_judgement(
            assignment,
            competency_id,
            {
                "verdict": verdict,
                "motivation": motivation,
                "advice": advice,
                "criteria": {
                    "variation": yes if verdict == "demonstrated" else quantity,
                    "relevance": yes,
                    "authenticity": yes,
                    "currency": yes,
                    "quantity": quantity,
                },
            },
            version_id=None,
            actor=assessor,
        )
    assessment.finalise(
        assignment,
        "Samira laat met een duidelijk voorbeeld zien dat ze systematisch werkt. Voor "
        "problemen oplossen is meer bewijs nodig uit verschillende situaties.",
        version_id=None,
        actor=assessor,
    )


def _seed_completed(trajectory, supervisor, coordinator, today) -> None:
    """Lotte's trajectory is completed: assessed, final interview held, plan agreed by both and
    the certificate issued (its number can be checked on the public page)."""
    from evc.assessment import services as assessment
    from evc.certificates import issuing
    from evc.certificates import services as closing

    assessor = services.find_user_by_email("beoordelaar@example.org")
    _seed_submitted(trajectory, supervisor, today)
    assignment = assessment.assign_assessor(trajectory, assessor, actor=coordinator)
    assessment.declare_independent(assignment, actor=assessor)
    assessment.confirm_complete(assignment, actor=assessor)
    yes = {"sufficient": True, "note": ""}
    for competency_id, verdict, advice in (
        ("systematic_working", "demonstrated", ""),
        (
            "solving_problems",
            "not_yet",
            "Schrijf een tweede voorbeeld op uit een andere situatie, bijvoorbeeld de "
            "inzamelactie.",
        ),
    ):
        assessment.save_judgement(
            assignment,
            competency_id,
            {
                "verdict": verdict,
                "motivation": "Het voorbeeld is concreet, recent en echt van Lotte zelf.",
                "advice": advice,
                "criteria": dict.fromkeys(
                    ("variation", "relevance", "authenticity", "currency", "quantity"), yes
                ),
            },
            version_id=None,
            actor=assessor,
        )
    assessment.finalise(
        assignment,
        "Lotte werkt systematisch. Voor problemen oplossen is nog een voorbeeld nodig.",
        version_id=None,
        actor=assessor,
    )
    closing.record_final_interview(
        trajectory,
        {
            "held_on": today,
            "discussed": "Het rapport en wat Lotte het komende half jaar wil leren.",
            "volunteer_reaction": "Lotte is blij met de erkenning en wil verder met problemen "
            "oplossen.",
        },
        version_id=None,
        actor=supervisor,
    )
    goals = closing.prefilled_goals(trajectory)
    for goal in goals:
        goal.update(
            goal="Een tweede voorbeeld van problemen oplossen verzamelen",
            support="Een gesprek na de inzamelactie",
            support_from="Bram (begeleider)",
            target_date=today + timedelta(days=120),
        )
    plan = closing.save_plan(trajectory, goals, version_id=None, actor=supervisor)
    closing.confirm_plan(trajectory, number=plan.number, actor=trajectory.volunteer)
    closing.confirm_plan(trajectory, number=plan.number, actor=supervisor)
    issuing.issue_certificate(trajectory, actor=supervisor)


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


def _intake(today, goal, work_organisation, goal_kind) -> dict:
    return {
        "held_on": today - timedelta(days=30),
        "goal_kind": goal_kind,
        "goal": goal,
        "work_organisation": work_organisation,
        "work_tasks": "Gasten ontvangen, koffie schenken, activiteiten helpen organiseren.",
        "work_since": today - timedelta(days=800),
        "meeting_plan": "Elke twee weken een gesprek van een uur, op dinsdagochtend.",
        "target_submission_date": today + timedelta(days=60),
    }


def _starr(rating: int, complete: bool) -> dict:
    story = {
        "rating": rating,
        "situation": "Op een drukke middag in het buurthuis kwam een nieuwe bezoeker binnen.",
        "task": "Ik moest hem wegwijs maken en tegelijk de bar draaiende houden.",
        "action": "Ik vroeg een collega de bar over te nemen en liep met hem een rondje.",
        "result": "Hij kwam de week erna terug en doet nu mee met de kookgroep.",
        "reflection": "Ik heb geleerd om hulp te vragen als het druk is.",
    }
    if not complete:
        story.update(result="", reflection="")
    return story


def generate_password() -> str:
    """Four random Dutch words: long enough, easy to type."""
    words = (
        "appel",
        "fiets",
        "molen",
        "tulp",
        "brug",
        "kaas",
        "polder",
        "duin",
        "gracht",
        "klomp",
        "haven",
        "zeil",
        "water",
        "toren",
        "boek",
        "licht",
    )
    return "-".join(secrets.choice(words) for _ in range(4)) + f"-{secrets.randbelow(90) + 10}"


# --- participation (Participatiewet) ------------------------------------------------------------

HOST_ORG = "Buurthuis De Schakel"
HOST_CONTACT = ("inzet@example.org", "Hanna Hosman")
MUNICIPALITY = "Gemeente Utrecht"
CASE_MANAGER = ("klantmanager@example.org", "Karim Klantmanager")


def _seed_participation(organisation, password_hash: str) -> None:
    """Daan's participation agreement at the community centre: two months of hours, most
    verified by Hanna, one declined, the rest waiting, and a report for the first month."""
    from evc.participation import services as participation
    from evc.participation.totals import month_end

    find = services.find_user_by_email
    coordinator, daan = find("coordinator@example.org"), find("deelnemer@example.org")
    host = services.create_organisation(HOST_ORG, OrganisationKind.HOST, actor=None)
    email, name = HOST_CONTACT
    hanna = User(email=email, display_name=name, language="nl", password_hash=password_hash)
    db.session.add(hanna)
    db.session.flush()
    services.add_role(hanna, host, Role.SUPERVISOR, actor=None)
    # The municipality with its klantmanager, who may read the reports: the organisation
    # shares them (a setting).
    municipality = services.create_organisation(
        MUNICIPALITY, OrganisationKind.MUNICIPALITY, actor=None
    )
    email, name = CASE_MANAGER
    karim = User(email=email, display_name=name, language="nl", password_hash=password_hash)
    db.session.add(karim)
    db.session.flush()
    services.add_role(karim, municipality, Role.COORDINATOR, actor=None)
    services.add_role(karim, municipality, Role.CASE_MANAGER, actor=None)
    from evc.assessment.services import settings_of

    shared = settings_of(organisation.id)
    shared.share_reports_with_case_managers = True
    db.session.add(shared)
    db.session.flush()
    today = date.today()
    start = (today.replace(day=1) - timedelta(days=40)).replace(day=1)
    regime, end = _demo_regime(start, today)
    agreement = participation.create_agreement(
        organisation,
        {
            "client_id": daan.id,
            "host_organisation_id": host.id,
            "host_contact_id": hanna.id,
            "municipality": MUNICIPALITY,
            "client_reference": "KM-2026-0142",
            "regime": regime,
            "activity": "Helpen in de keuken van het buurthuis",
            "weekly_minutes_min": 4 * 60,
            "weekly_minutes_max": 8 * 60,
            "starts_on": start,
            "ends_on": end,
        },
        actor=coordinator,
    )
    second_month = month_end(start) + timedelta(days=1)
    days = [d for d in _days(start, month_end(second_month)) if d.weekday() in (1, 3)]
    entries = [
        participation.log_hours(
            agreement,
            {
                "worked_on": day,
                "minutes": 150 if day.weekday() == 1 else 180,
                "activity": "Koken en afwassen",
                "note": "",
            },
            actor=daan,
            today=today,
        )
        for day in days
    ]
    for entry in entries[:-3]:
        participation.approve_entry(entry, actor=hanna)
    participation.decline_entry(
        entries[-3], "Die donderdag was het buurthuis dicht. Klopt de datum?", actor=hanna
    )
    participation.issue_report(agreement, start, start, actor=coordinator, today=today)


def _demo_regime(start: date, today: date) -> tuple[str, date]:
    """The regime that fits the demo's dates: the tegenprestatie ends with 2026."""
    if start >= date(2027, 1, 1):
        return "social_participation", start + timedelta(days=365)
    if today <= date(2026, 12, 31):
        return "reciprocity", date(2026, 12, 31)
    return "voluntary", start + timedelta(days=365)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
