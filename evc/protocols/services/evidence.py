"""A granted clearance taken into the volunteer's EVC-A portfolio as evidence (a certificate).

Like every write it checks the rules, changes state, writes the audit row and flushes; the
view commits.
"""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from evc.accounts.models import Organisation, User
from evc.audit import log_action
from evc.errors import DomainError
from evc.extensions import db
from evc.portfolio import services as portfolio
from evc.protocols.models import Clearance, ClearanceStatus, ProtocolVersion


def open_trajectory(volunteer: User):
    """The volunteer's trajectory in which evidence can be added now, or None."""
    return next(reversed(portfolio.open_portfolios(volunteer)), None)


def add_to_portfolio(clearance: Clearance, *, competency_id: str, actor: User):
    """The volunteer adds a granted clearance to their portfolio as evidence (a certificate)."""
    version = _granted_version(clearance)
    trajectory = _trajectory_for_evidence(clearance)
    item = portfolio.add_evidence(
        trajectory,
        _certificate_evidence(clearance, version),
        [competency_id],
        upload=None,
        original_name=None,
        actor=actor,
    )
    log_action(
        "clearance.added_to_portfolio",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        evidence_id=item.id,
    )
    return item


def _granted_version(clearance: Clearance) -> ProtocolVersion:
    """The version a clearance was granted under; only a granted clearance can go in."""
    granted = clearance.status == ClearanceStatus.GRANTED
    version = clearance.granted_version if granted else None
    if version is None:
        raise DomainError(_("Alleen een gegeven bevoegdverklaring kan in je portfolio."))
    return version


def _trajectory_for_evidence(clearance: Clearance):
    """The volunteer's trajectory in which evidence can be added now."""
    trajectory = open_trajectory(clearance.volunteer)
    if trajectory is None:
        raise DomainError(
            _("Je hebt geen lopend EVC-A-traject waarin je nu bewijs kunt toevoegen.")
        )
    return trajectory


def _certificate_evidence(clearance: Clearance, version: ProtocolVersion) -> dict:
    """The evidence item's fields: the task as title, what it says, when and where."""
    lines = _certificate_lines(clearance, version)
    return {
        "kind": "certificate",
        "title": _("Bevoegdverklaring: %(task)s", task=version.title)[:200],
        "description": "\n".join(lines),
        "activity_from": clearance.instructed_on or clearance.granted_on,
        "activity_to": clearance.granted_on,
        "work_context": db.session.get_one(Organisation, clearance.organisation_id).name,
    }


def _certificate_lines(clearance: Clearance, version: ProtocolVersion) -> list[str]:
    """What the evidence says: the task, who instructed and judged it when, and the skills."""
    return [
        _(
            'Bevoegd verklaard voor de taak "%(task)s" (protocol versie %(version)d).',
            task=version.title,
            version=version.number,
        ),
        _(
            "Instructie en beoordeling door %(name)s op %(date)s.",
            name=clearance.granted_by.display_name if clearance.granted_by else "-",
            date=format_date(clearance.granted_on, "long"),
        ),
        _("Laten zien:") + " " + "; ".join(version.skills),
    ]
