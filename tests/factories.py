"""Factories: small functions that create valid records with sensible defaults."""

from __future__ import annotations

import itertools
from functools import cache

import pytest
from sqlalchemy import select

from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from evc.accounts.passwords import hash_password
from evc.accounts.second_factor.services import REQUIRED_FOR_ROLES, enrol_with_secret
from evc.extensions import db
from tests.authenticator import TOTP_SECRET

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@cache
def _password_hash(password: str) -> str:
    return hash_password(password)


def organisation(name: str | None = None, kind: OrganisationKind = OrganisationKind.VOLUNTEER):
    org = Organisation(name=name or f"Organisatie {next(_seq)}", kind=kind)
    db.session.add(org)
    db.session.commit()
    return org


def user(
    *roles: tuple[Organisation, Role] | Role,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
    language: str = "nl",
    active: bool = True,
    site_admin: bool = False,
    org: Organisation | None = None,
    second_factor: bool | None = None,
) -> User:
    """A user with roles, each as ``(organisation, role)`` or a bare role in ``org``.

    Someone who must log in with a code (a site administrator, coordinator, …) has an
    authenticator app with ``TOTP_SECRET``, unless ``second_factor=False``; ``True`` gives one
    to anyone."""
    n = next(_seq)
    person = User(
        email=email or f"persoon{n}@example.org",
        display_name=name or f"Persoon {n}",
        language=language,
        password_hash=_password_hash(password) if password else None,
        is_active_account=active,
        is_site_admin=site_admin,
    )
    db.session.add(person)
    db.session.flush()
    for item in roles:
        organisation_, role = item if isinstance(item, tuple) else (org, item)
        assert organisation_ is not None, "give org= for bare roles"
        db.session.add(Membership(user_id=person.id, organisation_id=organisation_.id, role=role))
    if second_factor or (second_factor is None and _needs_code(site_admin, roles)):
        enrol_with_secret(person, TOTP_SECRET)
    db.session.commit()
    db.session.refresh(person)
    _ = [m.organisation for m in person.memberships]  # loaded now: usable after requests too
    return person


def _needs_code(site_admin: bool, roles) -> bool:
    held = {item[1] if isinstance(item, tuple) else item for item in roles}
    return site_admin or bool(held & REQUIRED_FOR_ROLES)


@pytest.fixture
def org(app):
    return organisation("Vrijwilligerscentrum Test")


@pytest.fixture
def other_org(app):
    return organisation("Andere Organisatie")


@pytest.fixture
def coordinator(org):
    return user(Role.COORDINATOR, org=org, email="coordinator@test.example", name="Cor Coördinator")


@pytest.fixture
def volunteer(org):
    return user(
        Role.VOLUNTEER, org=org, email="vrijwilliger@test.example", name="Vera Vrijwilliger"
    )


# --- EVC-A trajectories -------------------------------------------------------------------

from datetime import date, timedelta  # noqa: E402

from evc.db import utcnow  # noqa: E402
from evc.procedure.evidence import register_evidence_counter  # noqa: E402
from evc.procedure.models import (  # noqa: E402
    CompetencyChoice,
    GoalKind,
    GuidanceSession,
    Intake,
    SelfAssessment,
    Trajectory,
)
from evc.procedure.phases import Phase  # noqa: E402

STARR = {
    "situation": "Op de voedselbank was het druk.",
    "task": "Ik moest de uitgifte regelen.",
    "action": "Ik maakte een rij en legde uit hoe het werkt.",
    "result": "Iedereen was op tijd geholpen.",
    "reflection": "Rust bewaren helpt.",
}


def trajectory(
    organisation_: Organisation,
    *,
    volunteer: User | None = None,
    supervisor: User | None = None,
    phase: Phase = Phase.INTAKE,
) -> Trajectory:
    """A trajectory in ``phase`` (set directly: this is test data, not a phase change)."""
    volunteer = volunteer or user(Role.VOLUNTEER, org=organisation_)
    supervisor = supervisor or user(Role.SUPERVISOR, org=organisation_)
    item = Trajectory(
        organisation_id=organisation_.id,
        volunteer_id=volunteer.id,
        supervisor_id=supervisor.id,
        phase=phase,
        framework_id="evc-a",
        framework_version="2026.1",
        last_activity_at=utcnow(),
    )
    db.session.add(item)
    db.session.commit()
    return item


def intake(item: Trajectory, *, confirmed: bool = True) -> Intake:
    record = Intake(
        trajectory_id=item.id,
        held_on=date.today() - timedelta(days=10),
        goal_kind=GoalKind.SELF_INSIGHT,
        goal="Weten wat ik kan.",
        work_organisation="Voedselbank",
        work_tasks="Uitgifte",
        meeting_plan="Elke twee weken.",
        target_submission_date=date.today() + timedelta(days=60),
        confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(record)
    db.session.commit()
    return record


def sessions(item: Trajectory, count: int = 2, *, days_ago: int = 3) -> None:
    for n in range(count):
        db.session.add(
            GuidanceSession(
                trajectory_id=item.id,
                supervisor_id=item.supervisor_id,
                held_on=date.today() - timedelta(days=days_ago + n),
                topics=f"Gesprek {n + 1}",
                shared_notes="Gedeelde aantekening",
                private_notes="GEHEIME NOTITIE",
            )
        )
    db.session.commit()


def choose(item: Trajectory, *competency_ids: str) -> None:
    for competency_id in competency_ids:
        db.session.add(CompetencyChoice(trajectory_id=item.id, competency_id=competency_id))
    db.session.commit()


def self_assessment(item: Trajectory, competency_id: str, *, rating=3, complete=True):
    fields = dict(STARR) if complete else {"situation": STARR["situation"]}
    record = SelfAssessment(
        trajectory_id=item.id, competency_id=competency_id, rating=rating, **fields
    )
    db.session.add(record)
    db.session.commit()
    return record


def ready_for_submission(organisation_: Organisation, *competency_ids: str, evidence=None):
    """A trajectory in recognition that meets every guard (given ``evidence`` counts)."""
    competency_ids = competency_ids or ("communicating",)
    item = trajectory(organisation_, phase=Phase.RECOGNITION)
    intake(item)
    sessions(item, 2)
    choose(item, *competency_ids)
    for competency_id in competency_ids:
        self_assessment(item, competency_id)
        if evidence is not None:
            evidence.add(item, competency_id)
    return item


class FakeEvidence:
    """Stands in for the portfolio: evidence counts per trajectory and competency."""

    def __init__(self):
        self.counts: dict[int, dict[str, int]] = {}

    def add(self, item: Trajectory, competency_id: str, count: int = 1) -> None:
        per = self.counts.setdefault(item.id, {})
        per[competency_id] = per.get(competency_id, 0) + count

    def __call__(self, trajectory_ids):
        return {tid: dict(self.counts[tid]) for tid in trajectory_ids if tid in self.counts}


@pytest.fixture
def evidence(app):
    fake = FakeEvidence()
    register_evidence_counter(app, fake)
    return fake


# --- assessment ---

from evc.accounts.models import OrganisationKind as _Kind  # noqa: E402
from evc.assessment.models import CRITERIA, Assignment, AssignmentStatus  # noqa: E402
from evc.procedure.models import OrganisationSettings  # noqa: E402


def assessment_pool(name: str | None = None) -> Organisation:
    """An organisation of independent assessors (not a volunteer organisation)."""
    return organisation(name or f"Beoordelaarspool {next(_seq)}", kind=_Kind.ASSESSMENT)


def assessor(pool: Organisation | None = None, **kwargs) -> User:
    """An assessor in an assessment pool (a new pool unless one is given)."""
    return user(Role.ASSESSOR, org=pool or assessment_pool(), **kwargs)


def org_settings(organisation_: Organisation, **values) -> OrganisationSettings:
    """Create or change the organisation's settings row (defaults for what is not given)."""
    row = db.session.get(OrganisationSettings, organisation_.id)
    if row is None:
        row = OrganisationSettings(organisation_id=organisation_.id)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()
    return row


def submitted(
    organisation_: Organisation,
    *competency_ids: str,
    evidence,
    volunteer: User | None = None,
    supervisor: User | None = None,
) -> Trajectory:
    """A submitted trajectory (phase ASSESSMENT) whose portfolio meets every submission guard,
    so that it can also be returned and submitted again."""
    competency_ids = competency_ids or ("communicating",)
    item = trajectory(
        organisation_, volunteer=volunteer, supervisor=supervisor, phase=Phase.ASSESSMENT
    )
    item.submitted_at = utcnow()
    intake(item)
    sessions(item, 2)
    choose(item, *competency_ids)
    for competency_id in competency_ids:
        self_assessment(item, competency_id)
        evidence.add(item, competency_id)
    return item


def assignment(
    item: Trajectory,
    assessor_: User,
    *,
    position: int = 1,
    status: AssignmentStatus = AssignmentStatus.ASSIGNED,
    complete: bool = False,
) -> Assignment:
    """An assignment row in ``status`` (set directly: test data, not the assign service)."""
    declared = status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.DECLINED)
    record = Assignment(
        trajectory_id=item.id,
        assessor_id=assessor_.id,
        position=position,
        status=status,
        pseudonym=f"K-T{next(_seq):04d}",
        declared_at=utcnow() if declared else None,
        declined_at=utcnow() if status == AssignmentStatus.DECLINED else None,
        completeness_confirmed_at=utcnow() if complete else None,
    )
    db.session.add(record)
    db.session.commit()
    return record


def criteria(sufficient: bool = True, **overrides) -> dict:
    """VRAAK criteria as the judgement form sends them; ``overrides`` per criterion."""
    result = {name: {"sufficient": sufficient, "note": ""} for name in CRITERIA}
    result.update(overrides)
    return result


def judgement_data(verdict: str = "demonstrated", **overrides) -> dict:
    data = {
        "verdict": verdict,
        "motivation": "Het bewijs laat dit in verschillende situaties zien.",
        "advice": "",
        "criteria": criteria(),
    }
    data.update(overrides)
    return data


# --- participation ---

from evc.participation.models import (  # noqa: E402
    REGIME_RULES,
    EntryStatus,
    Exemption,
    HoursEntry,
    ParticipationAgreement,
    Regime,
)


def host_organisation(name: str | None = None) -> Organisation:
    """An organisation where clients do their participation work."""
    return organisation(name or f"Buurthuis {next(_seq)}", kind=_Kind.HOST)


def host_contact(host: Organisation | None = None, **kwargs) -> User:
    """A supervisor at a host organisation (the contact who verifies hours)."""
    return user(Role.SUPERVISOR, org=host or host_organisation(), **kwargs)


def municipality_org(name: str = "Gemeente Utrecht") -> Organisation:
    """The municipality organisation called ``name`` (found or made)."""
    found = db.session.scalar(select(Organisation).where(Organisation.name == name))
    return found or organisation(name, kind=_Kind.MUNICIPALITY)


def case_manager(municipality: Organisation | None = None, **kwargs) -> User:
    """A klantmanager of a municipality."""
    return user(Role.CASE_MANAGER, org=municipality or municipality_org(), **kwargs)


def agreement(
    organisation_: Organisation,
    *,
    client: User | None = None,
    contact: User | None = None,
    starts_on: date = date(2026, 9, 1),
    ends_on: date = date(2026, 12, 31),
    weekly: tuple[int, int] = (2 * 60, 8 * 60),
    regime: Regime = Regime.RECIPROCITY,
    reference: str = "KM-2026-0142",
    municipality: str = "Gemeente Utrecht",
    activity: str = "Helpen in de keuken",
) -> ParticipationAgreement:
    """An agreement row (set directly: test data, not the service)."""
    client = client or user(Role.CLIENT, org=organisation_)
    contact = contact or host_contact()
    host_id = next(m.organisation_id for m in contact.memberships if m.role == Role.SUPERVISOR)
    record = ParticipationAgreement(
        organisation_id=organisation_.id,
        client_id=client.id,
        host_organisation_id=host_id,
        host_contact_id=contact.id,
        municipality_id=municipality_org(municipality).id,
        client_reference=reference,
        regime=regime,
        legal_reference=REGIME_RULES[regime].legal_reference,
        activity=activity,
        weekly_minutes_min=weekly[0],
        weekly_minutes_max=weekly[1],
        starts_on=starts_on,
        ends_on=ends_on,
    )
    db.session.add(record)
    db.session.commit()
    return record


def hours(
    agreement_: ParticipationAgreement,
    worked_on: date,
    minutes: int = 120,
    *,
    status: EntryStatus = EntryStatus.PENDING,
    activity: str = "Afwassen en koken",
    note: str = "",
    decided_at=None,
) -> HoursEntry:
    """An hours entry in ``status`` (approved ones get a decision time)."""
    decided = status != EntryStatus.PENDING
    record = HoursEntry(
        agreement_id=agreement_.id,
        worked_on=worked_on,
        minutes=minutes,
        activity=activity,
        note=note,
        status=status,
        decided_at=(decided_at or utcnow()) if decided else None,
        decided_by_id=agreement_.host_contact_id if decided else None,
        decline_reason="Die dag was je er niet." if status == EntryStatus.DECLINED else "",
    )
    db.session.add(record)
    db.session.commit()
    return record


def exemption(agreement_: ParticipationAgreement, starts_on: date, ends_on: date, reason=""):
    record = Exemption(
        agreement_id=agreement_.id, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
    db.session.add(record)
    db.session.commit()
    db.session.expire(agreement_, ["exemptions"])
    return record
