"""Assigning and independence: the assessor's queue, the coordinator assigning and withdrawing
an assessor, and the assessor's declaration (or giving the assignment back)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.accounts.models import User
from evc.assessment import services
from evc.assessment.forms import AssignForm, DeclarationForm, ReasonForm
from evc.assessment.loaders import ASSIGNMENT, workspace_url
from evc.assessment.models import Assignment, AssignmentStatus
from evc.assessment.views.blueprint import bp
from evc.assessment.views.common import assignment_context, status_labels
from evc.db import utcnow
from evc.errors import DomainError
from evc.formfields import filled
from evc.procedure.loaders import TRAJECTORY
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from evc.web import actor, done, page, permission, save

# --- the assessor's queue ----------------------------------------------------------------------


@bp.route("/beoordelingen")
@permission("assessment.queue")
def queue():
    """The assessor's portfolios: open ones first (longest waiting on top), then finished."""
    assignments = services.queue_of(actor())
    blind = services.blind_organisations({a.trajectory.organisation_id for a in assignments})
    now = utcnow()
    rows = [_queue_row(assignment, blind, now) for assignment in assignments]
    return render_template(
        "assessment/queue.html", rows=rows, status_labels=status_labels(), Status=AssignmentStatus
    )


def _queue_row(assignment: Assignment, blind: set[int], now) -> dict:
    trajectory = assignment.trajectory
    shown_blind = (
        trajectory.organisation_id in blind and assignment.status != AssignmentStatus.FINALISED
    )
    since = trajectory.submitted_at or assignment.created_at
    return {
        "assignment": assignment,
        "name": assignment.pseudonym if shown_blind else trajectory.volunteer.display_name,
        "organisation": trajectory.organisation.name,
        "returned": trajectory.phase == Phase.RECOGNITION,
        "days": (now - since).days,
    }


# --- assigning -------------------------------------------------------------------------------


@dataclass
class Candidates:
    """Who could assess a trajectory, and who of them is independent enough to be offered."""

    trajectory: Trajectory
    all: list[User]
    eligible: list[User]
    relations: services.Relations

    @classmethod
    def of(cls, trajectory: Trajectory) -> Candidates:
        settings = services.settings_of(trajectory.organisation_id)
        relations = services.relations_of(trajectory)
        candidates = services.candidate_assessors(trajectory)
        # A long enough stand-in justification: only the other independence problems count.
        eligible = [
            c
            for c in candidates
            if not services.independence_problems(c, relations, settings, "x" * 100)
        ]
        return cls(trajectory, candidates, eligible, relations)

    def choices(self) -> list[tuple[int, str]]:
        return [(0, _("Kies een beoordelaar"))] + [(u.id, self._option(u)) for u in self.eligible]

    def _option(self, user: User) -> str:
        if self.relations.volunteer_organisations & user.organisation_ids():
            return _("%(name)s (eigen organisatie)", name=user.display_name)
        return user.display_name

    def picked(self, user_id: int) -> User:
        assessor = next((u for u in self.all if u.id == user_id), None)
        if assessor is None:
            raise DomainError(_("Kies een beoordelaar uit de lijst."), field="assessor")
        return assessor


@bp.route("/trajecten/<int:trajectory_id>/beoordelaar", methods=["GET", "POST"])
@permission(
    "assessment.assign",
    TRAJECTORY,
    refusal=_l("Een beoordelaar wijst de coördinator toe, nadat het portfolio is ingediend."),
)
def assign(trajectory: Trajectory):
    candidates = Candidates.of(trajectory)
    form = AssignForm()
    form.assessor.choices = candidates.choices()

    def action():
        assessor = candidates.picked(form.assessor.data)
        justification = form.justification.data or ""
        services.assign_assessor(trajectory, assessor, actor=actor(), justification=justification)
        overview = url_for("assessment.overview", organisation_id=trajectory.organisation_id)
        message = _("%(name)s is toegewezen en krijgt een e-mail.", name=assessor.display_name)
        return done(overview, message)

    return save(form, action, _assign_page(trajectory, form, candidates))


def _assign_page(trajectory: Trajectory, form: AssignForm, candidates: Candidates):
    return page(
        "assessment/assign.html",
        trajectory=trajectory,
        form=form,
        positions=services.needed_positions(trajectory),
        current=services.open_assignments(trajectory),
        settings=services.settings_of(trajectory.organisation_id),
        has_candidates=bool(candidates.eligible),
        excluded=len(candidates.all) - len(candidates.eligible),
        status_labels=status_labels(),
    )


@bp.route("/beoordelingen/<int:assignment_id>/intrekken", methods=["GET", "POST"])
@permission("assignment.withdraw", ASSIGNMENT)
def withdraw(assignment: Assignment):
    form = ReasonForm()

    def action():
        services.withdraw_assignment(assignment, filled(form.reason.data), actor=actor())
        back = url_for("assessment.assign", trajectory_id=assignment.trajectory_id)
        return done(back, _("De toewijzing is ingetrokken. Wijs iemand anders toe."))

    return save(form, action, page("assessment/withdraw.html", assignment=assignment, form=form))


# --- the declaration ---------------------------------------------------------------------------


@bp.route("/beoordelingen/<int:assignment_id>/verklaring", methods=["GET", "POST"])
@permission("assignment.declare", ASSIGNMENT, refusal=_l("Je hebt je verklaring al gegeven."))
def declare(assignment: Assignment):
    """Before anything of the portfolio is shown: do you know this volunteer?"""
    form = DeclarationForm()
    intake = assignment.trajectory.intake
    view = page(
        "assessment/declare.html",
        form=form,
        work_organisation=intake.work_organisation if intake else "",
        **assignment_context(assignment),
    )
    return save(form, lambda: _declare(assignment, form), view)


def _declare(assignment: Assignment, form: DeclarationForm):
    """Knows the volunteer: the assignment goes back. Independent: the work can begin."""
    if form.knows.data == "yes":
        services.decline(assignment, form.reason.data or "", actor=actor())
        return done(url_for("assessment.queue"), _declined_message())
    services.declare_independent(assignment, actor=actor())
    message = _("Je verklaring is opgeslagen. Je kunt nu beginnen.")
    return done(workspace_url(assignment), message)


def _declined_message() -> str:
    return _("Dank je. Je beoordeelt dit portfolio niet. De coördinator wijst iemand anders toe.")


@bp.route("/beoordelingen/<int:assignment_id>/teruggeven", methods=["GET", "POST"])
@permission(
    "assignment.decline",
    ASSIGNMENT,
    refusal=_l("Je kunt deze beoordeling niet meer teruggeven."),
)
def decline(assignment: Assignment):
    """During the work: the assessor recognises the volunteer after all."""
    form = ReasonForm()

    def action():
        services.decline(assignment, filled(form.reason.data), actor=actor())
        message = _("Je hebt de beoordeling teruggegeven. De coördinator is ingelicht.")
        return done(url_for("assessment.queue"), message)

    return save(
        form, action, page("assessment/decline.html", form=form, **assignment_context(assignment))
    )
