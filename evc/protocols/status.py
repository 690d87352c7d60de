"""The one answer to "may this volunteer do this task on this date?", and the dates it uses.

``evaluate`` is pure: it reads a clearance, the protocol's current version and the VOG record
that the caller loaded (in bulk for the matrix), and lists every missing item in plain language.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from evc.protocols.loader import item_hash
from evc.protocols.models import (
    Clearance,
    ClearanceStatus,
    ItemKind,
    ProtocolVersion,
    VogStatus,
    VolunteerVog,
)


def local_today() -> date:
    """Today in the organisation's time zone: the default of every ``on`` argument.

    Tests move the clock with a ``TODAY`` callable in the config (honoured only when testing).
    """
    frozen = current_app.config.get("TODAY")
    if current_app.testing and callable(frozen):
        return frozen()
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.now(zone).date()


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month where that day does not exist)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class State(enum.StrEnum):
    CLEARED = "cleared"
    EXPIRES_SOON = "expires_soon"
    EXPIRED = "expired"
    REACKNOWLEDGE = "reacknowledge"  # a new protocol version changed the knowledge items
    IN_PROGRESS = "in_progress"
    REVOKED = "revoked"
    MISSING = "missing"


@dataclass
class Missing:
    code: str
    text: str


@dataclass
class Verdict:
    state: State
    missing: list[Missing] = field(default_factory=list)
    valid_until: date | None = None

    @property
    def allowed(self) -> bool:
        return not self.missing


def vog_due_on(vog: VolunteerVog | None) -> date | None:
    """When a received VOG should be renewed (``VOG_RENEWAL_YEARS`` after its issue date)."""
    if vog is None or vog.status != VogStatus.RECEIVED or vog.issued_on is None:
        return None
    return add_months(vog.issued_on, 12 * current_app.config["VOG_RENEWAL_YEARS"])


def vog_problem(vog: VolunteerVog | None, on: date) -> Missing | None:
    due = vog_due_on(vog)
    if due is None:  # no VOG received
        return Missing("vog_missing", _("Er is geen VOG ontvangen."))
    if on >= due:
        return Missing(
            "vog_outdated",
            _("De VOG is ouder dan %(years)d jaar.", years=current_app.config["VOG_RENEWAL_YEARS"]),
        )
    return None


def missing_knowledge(clearance: Clearance, version: ProtocolVersion) -> list[Missing]:
    return [
        Missing("knowledge", _("Nog niet bevestigd (weten): %(item)s", item=text))
        for text in version.know
        if not _done(clearance, ItemKind.KNOW, text)
    ]


def missing_skills(clearance: Clearance, version: ProtocolVersion) -> list[Missing]:
    """Skills not demonstrated; for a renewal, the observation must be newer than the grant."""
    result = []
    for text in version.skills:
        item = clearance.item(ItemKind.SKILL, item_hash(text))
        shown = (
            item is not None
            and (clearance.granted_on is None or item.happened_on > clearance.granted_on)
            and item.done
        )
        if not shown:
            result.append(Missing("skill", _("Nog niet laten zien (kunnen): %(item)s", item=text)))
    return result


def missing_resources(
    clearance: Clearance, version: ProtocolVersion, vog: VolunteerVog | None, on: date
) -> list[Missing]:
    result = [
        Missing("resource", _("Nog niet bevestigd (beschikken over): %(item)s", item=text))
        for text in version.confirmable_resources
        if not _done(clearance, ItemKind.RESOURCE, text)
    ]
    return result + _vog_missing(version, vog, on)


def _done(clearance: Clearance, kind: ItemKind, text: str) -> bool:
    item = clearance.item(kind, item_hash(text))
    return item is not None and item.done


def evaluate(
    clearance: Clearance | None,
    version: ProtocolVersion,
    vog: VolunteerVog | None,
    on: date,
    *,
    client: str | None = None,
) -> Verdict:
    """The state of one volunteer for one task on ``on``. ``client`` (a reference, or "") also
    checks a clearance's client scope; ``None`` leaves the scope out (overviews)."""
    if clearance is None:
        return Verdict(State.MISSING, [Missing("no_clearance", _("Er is geen bevoegdverklaring."))])
    if clearance.status == ClearanceStatus.REVOKED:
        return Verdict(
            State.REVOKED, [Missing("revoked", _("De bevoegdverklaring is ingetrokken."))]
        )
    if clearance.status == ClearanceStatus.IN_PROGRESS:
        return Verdict(State.IN_PROGRESS, _missing_for_grant(clearance, version, vog, on))
    return _evaluate_granted(clearance, version, vog, on, client)


def _missing_for_grant(
    clearance: Clearance, version: ProtocolVersion, vog: VolunteerVog | None, on: date
) -> list[Missing]:
    """For a clearance in progress: every item still open, and the grant itself."""
    return [
        *missing_knowledge(clearance, version),
        *missing_skills(clearance, version),
        *missing_resources(clearance, version, vog, on),
        Missing("not_granted", _("De instructeur heeft de bevoegdverklaring nog niet gegeven.")),
    ]


def _evaluate_granted(clearance, version, vog, on, client) -> Verdict:
    until = clearance.valid_until
    if on >= until:
        text = _("De bevoegdverklaring is verlopen op %(date)s.", date=format_date(until, "long"))
        return Verdict(State.EXPIRED, [Missing("expired", text)], until)
    knowledge = missing_knowledge(clearance, version)
    missing = [
        *_not_yet_valid(clearance.granted_on, on),
        *knowledge,
        *_vog_missing(version, vog, on),
        *_other_client(clearance, client),
    ]
    if knowledge:
        return Verdict(State.REACKNOWLEDGE, missing, until)
    warn_days = current_app.config["CLEARANCE_WARNING_DAYS"]
    state = State.EXPIRES_SOON if (until - on).days <= warn_days else State.CLEARED
    return Verdict(state, missing, until)


def _not_yet_valid(granted_on: date, on: date) -> list[Missing]:
    if on >= granted_on:
        return []
    when = format_date(granted_on, "long")
    return [
        Missing("not_yet_valid", _("De bevoegdverklaring geldt pas vanaf %(date)s.", date=when))
    ]


def _vog_missing(version: ProtocolVersion, vog: VolunteerVog | None, on: date) -> list[Missing]:
    """The VOG problem, for a protocol that asks for a VOG."""
    if version.needs_vog and (problem := vog_problem(vog, on)):
        return [problem]
    return []


def _other_client(clearance: Clearance, client: str | None) -> list[Missing]:
    """A clearance scoped to one client does not hold for another (``client`` None: no scope)."""
    if client is None or not clearance.client_reference:
        return []
    if client.strip().lower() == clearance.client_reference.lower():
        return []
    text = _("Alleen bevoegd voor cliënt %(ref)s.", ref=clearance.client_reference)
    return [Missing("other_client", text)]


def grant_blockers(
    clearance: Clearance, version: ProtocolVersion, vog: VolunteerVog | None, on: date
) -> list[Missing]:
    """Everything that must be done before an instructor may grant (or renew) the clearance."""
    missing = missing_knowledge(clearance, version)
    if clearance.instructed_on is None:
        missing.append(Missing("no_instruction", _("De instructie is nog niet vastgelegd.")))
    missing.extend(missing_skills(clearance, version))
    missing.extend(missing_resources(clearance, version, vog, on))
    return missing
