"""Writes of the independent assessment, and the reads several screens share.

Every write checks the domain rules, changes state, writes the audit row and flushes; the view
commits once. Phase changes go through ``evc.procedure.services.advance_phase``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from evc.assessment.models import (
    CRITERIA,
    OPEN_STATUSES,
    AssessmentReport,
    AssessmentReturn,
    Assignment,
    AssignmentStatus,
    Judgement,
    JudgementCorrection,
    Resolution,
    Verdict,
)
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, stale_edit
from evc.extensions import db
from evc.mail import absolute_url, queue_mail
from evc.procedure.models import (
    GroupAttendance,
    GroupMeeting,
    GuidanceSession,
    OrganisationSettings,
    Trajectory,
)
from evc.procedure.phases import Phase
from evc.procedure.progress import load_progress
from evc.procedure.services import _flush_or_stale, advance_phase

MIN_JUSTIFICATION = 20
MIN_MOTIVATION = 10
PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- settings --------------------------------------------------------------------------------


def settings_of(organisation_id: int) -> OrganisationSettings:
    """The organisation's settings, or the defaults (not added to the session)."""
    row = db.session.get(OrganisationSettings, organisation_id)
    if row is None:
        row = OrganisationSettings(
            organisation_id=organisation_id,
            min_guidance_sessions=2,
            recommended_group_meetings=2,
            stalled_after_days=30,
            allow_internal_assessor=False,
            blind_assessment=False,
            two_assessors=False,
            share_reports_with_case_managers=False,
        )
    return row


def save_settings(organisation: Organisation, data: dict, *, actor: User) -> None:
    row = db.session.get(OrganisationSettings, organisation.id)
    if row is None:
        row = settings_of(organisation.id)
        db.session.add(row)
    if not 0 <= data["min_guidance_sessions"] <= 20:
        raise DomainError(_("Kies een aantal van 0 tot 20."), field="min_guidance_sessions")
    if not 0 <= data["recommended_group_meetings"] <= 20:
        raise DomainError(_("Kies een aantal van 0 tot 20."), field="recommended_group_meetings")
    if not 7 <= data["stalled_after_days"] <= 365:
        raise DomainError(_("Kies een aantal dagen van 7 tot 365."), field="stalled_after_days")
    changed = {}
    for name, value in data.items():
        if getattr(row, name) != value:
            changed[name] = value
            setattr(row, name, value)
    log_action("settings.changed", actor=actor, organisation_id=organisation.id, **changed)
    db.session.flush()


# --- independence ----------------------------------------------------------------------------


@dataclass
class Relations:
    """Who is connected to the volunteer of one trajectory, loaded with a few queries."""

    volunteer_id: int
    organisation_id: int
    volunteer_organisations: set[int]
    guided_by: set[int]  # supervisors of any trajectory, guidance session or group meeting
    declined: set[int]  # assessors who declared they know the volunteer (this trajectory)
    open_assessors: set[int]  # assessors with an open assignment on this trajectory


def relations_of(trajectory: Trajectory) -> Relations:
    volunteer_id = trajectory.volunteer_id
    own_trajectories = select(Trajectory.id).where(Trajectory.volunteer_id == volunteer_id)
    guided = set(
        db.session.scalars(
            select(Trajectory.supervisor_id).where(Trajectory.volunteer_id == volunteer_id)
        )
    )
    guided |= set(
        db.session.scalars(
            select(GuidanceSession.supervisor_id).where(
                GuidanceSession.trajectory_id.in_(own_trajectories)
            )
        )
    )
    guided |= set(
        db.session.scalars(
            select(GroupMeeting.supervisor_id)
            .join(GroupAttendance, GroupAttendance.meeting_id == GroupMeeting.id)
            .where(GroupAttendance.trajectory_id.in_(own_trajectories))
        )
    )
    assignments = db.session.execute(
        select(Assignment.assessor_id, Assignment.status).where(
            Assignment.trajectory_id == trajectory.id
        )
    ).all()
    return Relations(
        volunteer_id=volunteer_id,
        organisation_id=trajectory.organisation_id,
        volunteer_organisations=set(
            db.session.scalars(
                select(Membership.organisation_id).where(Membership.user_id == volunteer_id)
            )
        ),
        guided_by=guided - {None},
        declined={a for a, s in assignments if s == AssignmentStatus.DECLINED},
        open_assessors={a for a, s in assignments if s in OPEN_STATUSES},
    )


def independence_problems(
    assessor: User,
    relations: Relations,
    settings: OrganisationSettings,
    justification: str = "",
) -> list[str]:
    """Why ``assessor`` may not assess this volunteer; empty when they may."""
    name = assessor.display_name
    if assessor.id == relations.volunteer_id:
        return [_("Een vrijwilliger kan zijn eigen portfolio niet beoordelen.")]
    problems = []
    if not assessor.is_active_account:
        problems.append(_("Het account van %(name)s is geblokkeerd.", name=name))
    if not assessor.has_role(Role.ASSESSOR):
        problems.append(_("%(name)s is geen beoordelaar.", name=name))
    if assessor.id in relations.guided_by:
        problems.append(
            _(
                "%(name)s is of was begeleider van deze vrijwilliger. Een begeleider mag niet "
                "beoordelen.",
                name=name,
            )
        )
    if assessor.id in relations.declined:
        problems.append(
            _("%(name)s heeft verklaard deze vrijwilliger persoonlijk te kennen.", name=name)
        )
    if assessor.id in relations.open_assessors:
        problems.append(_("%(name)s beoordeelt dit portfolio al.", name=name))
    # The trajectory's organisation counts even when the volunteer no longer holds a role there.
    own = relations.volunteer_organisations | {relations.organisation_id}
    shared = own & assessor.organisation_ids()
    if shared:
        if not settings.allow_internal_assessor:
            problems.append(
                _(
                    "%(name)s hoort bij dezelfde organisatie als de vrijwilliger. Kies een "
                    "beoordelaar van buiten de organisatie.",
                    name=name,
                )
            )
        elif len((justification or "").strip()) < MIN_JUSTIFICATION:
            problems.append(
                _(
                    "%(name)s hoort bij dezelfde organisatie als de vrijwilliger. Leg uit waarom "
                    "dat hier toch kan (minstens %(min)d tekens). Die uitleg komt in het rapport.",
                    name=name,
                    min=MIN_JUSTIFICATION,
                )
            )
    return problems


def candidate_assessors(trajectory: Trajectory) -> list[User]:
    """People the coordinator can choose from: assessors of assessment pools, and of the
    volunteer's own organisation when the setting allows that."""
    kinds = [OrganisationKind.ASSESSMENT]
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.role == Role.ASSESSOR,
            User.is_active_account.is_(True),
            Organisation.is_active.is_(True),
        )
        .options(selectinload(User.memberships))
        .order_by(User.display_name, User.id)
        .distinct()
    )
    if settings_of(trajectory.organisation_id).allow_internal_assessor:
        query = query.where(
            (Organisation.kind.in_(kinds)) | (Organisation.id == trajectory.organisation_id)
        )
    else:
        query = query.where(Organisation.kind.in_(kinds))
    return list(db.session.scalars(query).unique())


# --- assigning --------------------------------------------------------------------------------


def open_assignments(trajectory: Trajectory) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.trajectory_id == trajectory.id, Assignment.status.in_(OPEN_STATUSES))
            .options(joinedload(Assignment.assessor))
            .order_by(Assignment.position)
        )
    )


def needed_positions(trajectory: Trajectory) -> list[int]:
    """Positions (1 = lead, 2 = second) that still need an assessor."""
    if trajectory.phase not in (Phase.ASSESSMENT, Phase.RECOGNITION):
        return []
    if report_of(trajectory) is not None and report_of(trajectory).finalised_at:
        return []
    taken = {a.position for a in open_assignments(trajectory)}
    wanted = [1, 2] if settings_of(trajectory.organisation_id).two_assessors else [1]
    return [p for p in wanted if p not in taken]


def assign_assessor(
    trajectory: Trajectory, assessor: User, *, actor: User, justification: str = ""
) -> Assignment:
    """Assign ``assessor`` to a submitted trajectory after checking their independence."""
    if trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Een beoordelaar wijs je toe nadat het portfolio is ingediend."))
    positions = needed_positions(trajectory)
    if not positions:
        raise DomainError(_("Dit portfolio heeft al genoeg beoordelaars."))
    settings = settings_of(trajectory.organisation_id)
    problems = independence_problems(assessor, relations_of(trajectory), settings, justification)
    if problems:
        raise DomainError(" ".join(problems), field="assessor")
    relations = relations_of(trajectory)
    own = relations.volunteer_organisations | {relations.organisation_id}
    internal = bool(own & assessor.organisation_ids())
    assignment = Assignment(
        trajectory_id=trajectory.id,
        assessor_id=assessor.id,
        position=positions[0],
        status=AssignmentStatus.ASSIGNED,
        pseudonym=_new_pseudonym(),
        assigned_by_id=actor.id,
        internal_justification=justification.strip() if internal else None,
    )
    assignment.assessor = assessor
    assignment.trajectory = trajectory
    db.session.add(assignment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # someone assigned the same position at the same moment
        raise DomainError(_("Intussen is al een beoordelaar toegewezen.")) from error
    log_action(
        "assessment.assigned",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        assessor_id=assessor.id,
        position=assignment.position,
        internal=internal,
    )
    _notify(
        assessor,
        "email/assessment_assigned.txt",
        lambda: _("Er is een portfolio voor je om te beoordelen"),
        assignment,
        link=absolute_url("assessment.declare", assignment_id=assignment.id),
    )
    return assignment


def _new_pseudonym() -> str:
    return "K-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(5))


def withdraw_assignment(assignment: Assignment, reason: str, *, actor: User) -> None:
    """The coordinator takes an assignment back (e.g. the assessor does not respond)."""
    if not assignment.is_open:
        raise DomainError(_("Deze toewijzing loopt niet meer."))
    if not (reason or "").strip():
        raise DomainError(_("Geef een reden op."), field="reason")
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.decline_reason = reason.strip()
    _flush_or_stale()
    log_action(
        "assessment.assignment_withdrawn",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
        assessor_id=assignment.assessor_id,
    )
    _notify(
        assignment.assessor,
        "email/assessment_withdrawn.txt",
        lambda: _("Een beoordeling is niet meer aan jou toegewezen"),
        assignment,
        link=absolute_url("assessment.queue"),
    )


# --- declaring ------------------------------------------------------------------------------


def declare_independent(assignment: Assignment, *, actor: User) -> None:
    """The assessor declares they do not know the volunteer personally."""
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise DomainError(_("Je hebt je verklaring al gegeven."))
    assignment.declared_at = utcnow()
    assignment.status = AssignmentStatus.ACTIVE
    _flush_or_stale()
    log_action(
        "assessment.declared_independent",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
    )


def decline(assignment: Assignment, reason: str, *, actor: User) -> None:
    """The assessor knows the volunteer (or finds another conflict): the coordinators are asked
    to assign someone else. What the assessor wrote before is kept but no longer used."""
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACTIVE):
        raise DomainError(_("Je kunt deze beoordeling niet meer teruggeven."))
    assignment.status = AssignmentStatus.DECLINED
    assignment.declined_at = utcnow()
    assignment.decline_reason = (reason or "").strip() or None
    _flush_or_stale()
    trajectory = assignment.trajectory
    log_action(
        "assessment.declined",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        assessor_id=assignment.assessor_id,
    )
    for coordinator in _coordinators(trajectory.organisation_id):
        _notify(
            coordinator,
            "email/assessment_declined.txt",
            lambda: _("Wijs een andere beoordelaar toe"),
            assignment,
            link=absolute_url("assessment.assign", trajectory_id=trajectory.id),
        )


def _coordinators(organisation_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role == Role.COORDINATOR,
                User.is_active_account.is_(True),
            )
        )
    )


# --- step 1: completeness ----------------------------------------------------------------------


@dataclass
class ChecklistRow:
    competency_id: str
    rated: bool
    starr_complete: bool
    evidence: int
    referees: list = field(default_factory=list)  # (item title, status value, expired)

    @property
    def ok(self) -> bool:
        return self.rated and self.starr_complete and self.evidence > 0


def checklist(trajectory: Trajectory) -> list[ChecklistRow]:
    """What the portfolio holds per chosen competency (a fixed number of queries)."""
    from evc.portfolio.models import EvidenceItem, EvidenceLink, RefereeRequest

    load_progress([trajectory])
    progress = trajectory.progress
    referees: dict[str, list] = {}
    rows = db.session.execute(
        select(EvidenceLink.competency_id, EvidenceItem.title, RefereeRequest)
        .join(EvidenceItem, EvidenceItem.id == EvidenceLink.item_id)
        .join(RefereeRequest, RefereeRequest.item_id == EvidenceItem.id)
        .where(EvidenceItem.trajectory_id == trajectory.id)
        .order_by(EvidenceItem.id)
    ).all()
    for competency_id, title, request in rows:
        referees.setdefault(competency_id, []).append(
            (title, request.status.value, request.is_expired)
        )
    result = []
    for competency_id in progress.chosen:
        assessment = progress.self_assessments.get(competency_id)
        result.append(
            ChecklistRow(
                competency_id=competency_id,
                rated=bool(assessment and assessment.rating is not None),
                starr_complete=bool(assessment and assessment.is_complete),
                evidence=progress.evidence.get(competency_id, 0),
                referees=referees.get(competency_id, []),
            )
        )
    return result


def _require_working(assignment: Assignment) -> None:
    if assignment.status == AssignmentStatus.ASSIGNED:
        raise DomainError(_("Geef eerst je verklaring dat je de vrijwilliger niet kent."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise DomainError(_("Je beoordeling is afgerond en kan niet meer worden gewijzigd."))
    if assignment.trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(
            _("Het portfolio is teruggestuurd. Je kunt verder als het opnieuw is ingediend.")
        )


def confirm_complete(assignment: Assignment, *, actor: User) -> None:
    _require_working(assignment)
    assignment.completeness_confirmed_at = utcnow()
    _flush_or_stale()
    log_action(
        "assessment.complete",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
    )


def return_for_more(
    assignment: Assignment, notes: dict[str, str], general_note: str, *, actor: User
) -> AssessmentReturn:
    """Send the portfolio back to recognition with what is missing per competency."""
    _require_working(assignment)
    trajectory = assignment.trajectory
    chosen = set(trajectory.progress.chosen)
    notes = {cid: text.strip() for cid, text in notes.items() if (text or "").strip()}
    if set(notes) - chosen:
        raise DomainError(_("Schrijf alleen iets bij de gekozen competenties."))
    if not notes:
        raise DomainError(
            _("Schrijf bij minstens één competentie wat er nog ontbreekt."), field="notes"
        )
    returned = AssessmentReturn(
        assignment_id=assignment.id,
        trajectory_id=trajectory.id,
        general_note=(general_note or "").strip(),
        notes=notes,
    )
    db.session.add(returned)
    # Every assessor looks again at the changed portfolio: step 1 reopens, and a second
    # assessor who was already done may revise their judgements.
    for member in open_assignments(trajectory):
        member.completeness_confirmed_at = None
        if member.status == AssignmentStatus.JUDGED:
            member.status = AssignmentStatus.ACTIVE
            member.judged_at = None
    advance_phase(
        trajectory,
        Phase.RECOGNITION,
        actor=actor,
        reason=returned.general_note or _("Het portfolio is nog niet compleet."),
    )
    log_action(
        "assessment.returned",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        competencies=sorted(notes),
    )
    for person in (trajectory.volunteer, trajectory.supervisor):
        _notify(
            person,
            "email/assessment_returned.txt",
            lambda: _("De beoordelaar vraagt om meer bewijs"),
            assignment,
            link=absolute_url("procedure.trajectory", trajectory_id=trajectory.id),
            returned=returned,
        )
    return returned


def returns_of(trajectory_id: int) -> list[AssessmentReturn]:
    return list(
        db.session.scalars(
            select(AssessmentReturn)
            .where(AssessmentReturn.trajectory_id == trajectory_id)
            .order_by(AssessmentReturn.id.desc())
        )
    )


def on_resubmitted(trajectory: Trajectory) -> None:
    """After a return, the same assessors continue: tell them the portfolio is back."""
    for assignment in open_assignments(trajectory):
        if assignment.status == AssignmentStatus.ACTIVE:
            _notify(
                assignment.assessor,
                "email/assessment_resubmitted.txt",
                lambda: _("Het portfolio is opnieuw ingediend"),
                assignment,
                link=absolute_url("assessment.workspace", assignment_id=assignment.id),
            )


# --- step 2: judging --------------------------------------------------------------------------


def _require_judging(assignment: Assignment) -> None:
    _require_working(assignment)
    if assignment.completeness_confirmed_at is None:
        raise DomainError(_("Controleer eerst of het portfolio compleet is (stap 1)."))


def save_judgement(
    assignment: Assignment,
    competency_id: str,
    data: dict,
    *,
    version_id: int | None,
    actor: User,
) -> Judgement:
    """Save the assessor's verdict on one chosen competency. ``data``: verdict, motivation,
    advice, criteria {criterion: {"sufficient": bool, "note": str}}."""
    _require_judging(assignment)
    if competency_id not in assignment.trajectory.progress.chosen:
        raise DomainError(_("Deze competentie is niet gekozen en wordt niet beoordeeld."))
    try:
        verdict = Verdict(data.get("verdict") or "")
    except ValueError:
        raise DomainError(_("Kies aangetoond of nog niet aangetoond."), field="verdict") from None
    motivation = (data.get("motivation") or "").strip()
    if len(motivation) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf waarom je tot dit oordeel komt (minstens %(min)d tekens).", min=10),
            field="motivation",
        )
    criteria = {}
    for criterion in CRITERIA:
        given = (data.get("criteria") or {}).get(criterion) or {}
        if given.get("sufficient") not in (True, False):
            raise DomainError(
                _("Geef bij elk VRAAK-criterium aan of het voldoende is."), field=criterion
            )
        criteria[criterion] = {
            "sufficient": given["sufficient"],
            "note": (given.get("note") or "").strip()[:2000],
        }
    judgement = db.session.scalar(
        select(Judgement).where(
            Judgement.assignment_id == assignment.id, Judgement.competency_id == competency_id
        )
    )
    first = judgement is None
    if first:
        if version_id:
            raise stale_edit()
        judgement = Judgement(assignment_id=assignment.id, competency_id=competency_id)
        db.session.add(judgement)
    elif version_id != judgement.version_id:
        raise stale_edit()
    judgement.verdict = verdict
    judgement.motivation = motivation
    judgement.advice = (data.get("advice") or "").strip()
    judgement.criteria = criteria
    _flush_or_stale()
    log_action(
        "assessment.judged",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
        competency=competency_id,
        verdict=verdict.value,
    )
    return judgement


def judgements_of(assignment: Assignment) -> dict[str, Judgement]:
    return {
        j.competency_id: j
        for j in db.session.scalars(
            select(Judgement)
            .where(Judgement.assignment_id == assignment.id)
            .options(selectinload(Judgement.corrections))
        )
    }


def unjudged(assignment: Assignment) -> list[str]:
    judged = judgements_of(assignment)
    return [c for c in assignment.trajectory.progress.chosen if c not in judged]


def _refuse_unjudged(assignment: Assignment) -> None:
    missing = unjudged(assignment)
    if missing:
        from evc.procedure.progress import competency_names

        raise DomainError(
            _(
                "Geef eerst een oordeel over: %(names)s.",
                names=", ".join(competency_names(missing)),
            )
        )


def mark_judged(assignment: Assignment, *, actor: User) -> None:
    """Two assessors: this one is done; the differences show when both are."""
    _require_judging(assignment)
    _refuse_unjudged(assignment)
    assignment.status = AssignmentStatus.JUDGED
    assignment.judged_at = utcnow()
    _flush_or_stale()
    log_action(
        "assessment.judgements_done",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
        position=assignment.position,
    )


def partner_of(assignment: Assignment) -> Assignment | None:
    for other in open_assignments(assignment.trajectory):
        if other.id != assignment.id:
            return other
    return None


def both_judged(assignment: Assignment) -> bool:
    partner = partner_of(assignment)
    return (
        assignment.status == AssignmentStatus.JUDGED
        and partner is not None
        and partner.status == AssignmentStatus.JUDGED
    )


@dataclass
class Difference:
    competency_id: str
    lead: Judgement
    second: Judgement
    resolution: Resolution | None


def differences(assignment: Assignment) -> list[Difference]:
    """Competencies on which the two assessors' verdicts differ (only once both are done)."""
    if not both_judged(assignment):
        return []
    lead, second = sorted([assignment, partner_of(assignment)], key=lambda a: a.position)
    mine, theirs = judgements_of(lead), judgements_of(second)
    resolved = {
        r.competency_id: r
        for r in db.session.scalars(
            select(Resolution).where(Resolution.trajectory_id == assignment.trajectory_id)
        )
    }
    return [
        Difference(c, mine[c], theirs[c], resolved.get(c))
        for c in assignment.trajectory.progress.chosen
        if c in mine and c in theirs and mine[c].verdict != theirs[c].verdict
    ]


def resolve(
    assignment: Assignment, competency_id: str, verdict: str, reason: str, *, actor: User
) -> Resolution:
    """The lead assessor records the verdict both agreed on where they differed, with why."""
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar legt het gezamenlijke oordeel vast."))
    if assignment.trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Dit kan alleen tijdens de beoordeling."))
    difference = next(
        (d for d in differences(assignment) if d.competency_id == competency_id), None
    )
    if difference is None:
        raise DomainError(_("Over deze competentie verschillen jullie niet van oordeel."))
    try:
        verdict = Verdict(verdict or "")
    except ValueError:
        raise DomainError(_("Kies aangetoond of nog niet aangetoond."), field="verdict") from None
    if len((reason or "").strip()) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf op waarom jullie tot dit oordeel komen (minstens %(min)d tekens).", min=10),
            field="reason",
        )
    row = difference.resolution or Resolution(
        trajectory_id=assignment.trajectory_id, competency_id=competency_id
    )
    row.verdict = verdict
    row.reason = reason.strip()
    row.resolved_by_id = actor.id
    db.session.add(row)
    db.session.flush()
    log_action(
        "assessment.resolved",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
        competency=competency_id,
        verdict=verdict.value,
    )
    return row


# --- step 3: the report ---------------------------------------------------------------------


def report_of(trajectory: Trajectory) -> AssessmentReport | None:
    return db.session.scalar(
        select(AssessmentReport).where(AssessmentReport.trajectory_id == trajectory.id)
    )


def save_summary(
    assignment: Assignment, summary: str, *, version_id: int | None, actor: User
) -> AssessmentReport:
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar schrijft het rapport."))
    if assignment.status not in (AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED):
        raise DomainError(_("Je beoordeling is afgerond en kan niet meer worden gewijzigd."))
    if assignment.trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Dit kan alleen tijdens de beoordeling."))
    report = report_of(assignment.trajectory)
    if report is None:
        if version_id:
            raise stale_edit()
        report = AssessmentReport(trajectory_id=assignment.trajectory_id)
        db.session.add(report)
    elif version_id != report.version_id:
        raise stale_edit()
    report.summary = (summary or "").strip()
    _flush_or_stale()
    return report


def finalise(
    assignment: Assignment, summary: str, *, version_id: int | None, actor: User
) -> AssessmentReport:
    """Make the judgements final and move the trajectory to the final interview."""
    trajectory = assignment.trajectory
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar maakt het rapport definitief."))
    _require_working_or_judged(assignment)
    if assignment.completeness_confirmed_at is None:
        raise DomainError(_("Controleer eerst of het portfolio compleet is (stap 1)."))
    _refuse_unjudged(assignment)
    partner = partner_of(assignment)
    if settings_of(trajectory.organisation_id).two_assessors:
        if not both_judged(assignment):
            raise DomainError(
                _(
                    "Beide beoordelaars moeten eerst op ‘Klaar met beoordelen’ drukken. Daarna "
                    "wordt het rapport definitief."
                )
            )
        open_differences = [d for d in differences(assignment) if d.resolution is None]
        if open_differences:
            from evc.procedure.progress import competency_names

            raise DomainError(
                _(
                    "Leg eerst het gezamenlijke oordeel vast voor: %(names)s.",
                    names=", ".join(competency_names(d.competency_id for d in open_differences)),
                )
            )
    if len((summary or "").strip()) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf een samenvatting van je beoordeling (minstens %(min)d tekens).", min=10),
            field="summary",
        )
    report = save_summary(assignment, summary, version_id=version_id, actor=actor)
    now = utcnow()
    report.finalised_at = now
    report.finalised_by_id = actor.id
    for member in [assignment, partner] if partner else [assignment]:
        member.status = AssignmentStatus.FINALISED
        member.finalised_at = now
    _flush_or_stale()
    advance_phase(trajectory, Phase.FINAL_INTERVIEW, actor=actor)
    log_action(
        "assessment.finalised",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
    )
    for person in (trajectory.volunteer, trajectory.supervisor):
        _notify(
            person,
            "email/assessment_final.txt",
            lambda: _("Het beoordelingsrapport is klaar"),
            assignment,
            link=absolute_url("assessment.report", trajectory_id=trajectory.id),
        )
    return report


def _require_working_or_judged(assignment: Assignment) -> None:
    if assignment.status == AssignmentStatus.JUDGED:
        if assignment.trajectory.phase != Phase.ASSESSMENT:
            raise DomainError(_("Dit kan alleen tijdens de beoordeling."))
        return
    _require_working(assignment)


def correct(
    assignment: Assignment,
    competency_id: str,
    data: dict,
    *,
    actor: User,
) -> JudgementCorrection:
    """After the report is final: a correction is a new record with a reason."""
    if assignment.status != AssignmentStatus.FINALISED or assignment.position != 1:
        raise DomainError(_("Alleen de eerste beoordelaar corrigeert een definitief rapport."))
    if assignment.trajectory.phase != Phase.FINAL_INTERVIEW:
        raise DomainError(
            _("Een correctie kan tot het traject is afgerond. Dit traject is al afgerond.")
        )
    judgement = judgements_of(assignment).get(competency_id)
    if judgement is None:
        raise DomainError(_("Deze competentie is niet gekozen en wordt niet beoordeeld."))
    try:
        verdict = Verdict(data.get("verdict") or "")
    except ValueError:
        raise DomainError(_("Kies aangetoond of nog niet aangetoond."), field="verdict") from None
    motivation = (data.get("motivation") or "").strip()
    if len(motivation) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf waarom je tot dit oordeel komt (minstens %(min)d tekens).", min=10),
            field="motivation",
        )
    reason = (data.get("reason") or "").strip()
    if len(reason) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf waarom je het oordeel corrigeert (minstens %(min)d tekens).", min=10),
            field="reason",
        )
    correction = JudgementCorrection(
        judgement_id=judgement.id,
        verdict=verdict,
        motivation=motivation,
        advice=(data.get("advice") or "").strip(),
        reason=reason,
        corrected_by_id=actor.id,
    )
    db.session.add(correction)
    db.session.flush()
    trajectory = assignment.trajectory
    log_action(
        "assessment.corrected",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        competency=competency_id,
        verdict=verdict.value,
    )
    for person in (trajectory.volunteer, trajectory.supervisor):
        _notify(
            person,
            "email/assessment_corrected.txt",
            lambda: _("Een oordeel in het beoordelingsrapport is gecorrigeerd"),
            assignment,
            link=absolute_url("assessment.report", trajectory_id=trajectory.id),
        )
    return correction


# --- the outcome ------------------------------------------------------------------------------


@dataclass
class Outcome:
    """The verdict on one competency as it stands: the lead's judgement, the agreed verdict
    where two assessors differed, or the latest correction."""

    competency_id: str
    verdict: Verdict
    motivation: str
    advice: str
    judgement: Judgement
    resolution: Resolution | None = None
    corrections: list = field(default_factory=list)


def final_assignment(trajectory_id: int) -> Assignment | None:
    return db.session.scalar(
        select(Assignment)
        .where(
            Assignment.trajectory_id == trajectory_id,
            Assignment.status == AssignmentStatus.FINALISED,
            Assignment.position == 1,
        )
        .options(joinedload(Assignment.assessor))
    )


def outcome(trajectory: Trajectory) -> dict[str, Outcome]:
    """Per chosen competency, the assessor's outcome once the report is final (else empty).
    Certificates list the competencies whose verdict is DEMONSTRATED."""
    lead = final_assignment(trajectory.id)
    if lead is None:
        return {}
    judgements = judgements_of(lead)
    resolved = {
        r.competency_id: r
        for r in db.session.scalars(
            select(Resolution).where(Resolution.trajectory_id == trajectory.id)
        )
    }
    result = {}
    for competency_id in trajectory.progress.chosen:
        judgement = judgements.get(competency_id)
        if judgement is None:
            continue
        item = Outcome(
            competency_id=competency_id,
            verdict=judgement.verdict,
            motivation=judgement.motivation,
            advice=judgement.advice,
            judgement=judgement,
            resolution=resolved.get(competency_id),
            corrections=list(judgement.corrections),
        )
        if item.resolution is not None:
            item.verdict = item.resolution.verdict
            item.motivation = item.resolution.reason
        if item.corrections:
            latest = item.corrections[-1]
            item.verdict, item.motivation, item.advice = (
                latest.verdict,
                latest.motivation,
                latest.advice,
            )
        result[competency_id] = item
    return result


def volunteer_label(assignment: Assignment) -> str:
    """What the assessor sees: the pseudonym when the organisation assesses blind, until the
    report is final."""
    trajectory = assignment.trajectory
    if (
        settings_of(trajectory.organisation_id).blind_assessment
        and assignment.status != AssignmentStatus.FINALISED
    ):
        return assignment.pseudonym
    return trajectory.volunteer.display_name


# --- mail ------------------------------------------------------------------------------------


def _notify(user: User, template: str, subject, assignment: Assignment, **context) -> None:
    with force_locale(user.language):
        body = render_template(
            template,
            user=user,
            assignment=assignment,
            trajectory=assignment.trajectory,
            volunteer=volunteer_label(assignment)
            if user.id == assignment.assessor_id
            else assignment.trajectory.volunteer.display_name,
            **context,
        )
        queue_mail(user, str(subject()), body)
