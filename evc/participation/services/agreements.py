"""Participation agreements: the client reference (never a BSN), the municipality, the terms,
exemptions, and the mail about an agreement. Each write checks the rules, changes state, writes
its audit row and flushes; the view commits.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from evc.accounts.models import Organisation, OrganisationKind, Role, User
from evc.audit import log_action
from evc.errors import DomainError, stale_edit
from evc.extensions import db
from evc.mail import absolute_url, mail_user
from evc.participation.models import (
    REGIME_RULES,
    Exemption,
    HoursEntry,
    ParticipationAgreement,
    Regime,
)

MAX_MINUTES_PER_WEEK = 40 * 60
AGREEMENT_FIELDS = (
    "municipality_id",
    "client_reference",
    "regime",
    "activity",
    "weekly_minutes_min",
    "weekly_minutes_max",
    "starts_on",
    "ends_on",
)


# --- the client reference: never a BSN ---------------------------------------------------------


def passes_eleven_test(digits: str) -> bool:
    """The BSN eleven-test: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    return total % 11 == 0 and int(digits) != 0


def looks_like_bsn(value: str) -> bool:
    """Nine digits that pass the eleven-test, also when written with spaces, dots or dashes,
    or inside a longer reference."""
    compact = re.sub(r"(?<=\d)[\s.\-](?=\d)", "", value or "")
    runs = re.findall(r"\d+", compact)
    if any(passes_eleven_test(run) for run in runs):
        return True
    digits = "".join(runs)
    return passes_eleven_test(digits)


# --- agreements -------------------------------------------------------------------------------


def _checked_people(
    organisation: Organisation, client: User | None, host: Organisation | None, contact: User | None
) -> tuple[User, Organisation, User]:
    """The client, host organisation and host contact, once each fits the agreement."""
    if client is None or Role.CLIENT not in client.roles_in(organisation.id):
        raise DomainError(_("Kies een deelnemer van deze organisatie."), field="client_id")
    if host is None or host.kind != OrganisationKind.HOST or not host.is_active:
        raise DomainError(_("Kies een inzetorganisatie."), field="host_organisation_id")
    if contact is None or Role.SUPERVISOR not in contact.roles_in(host.id):
        raise DomainError(
            _("Kies een contactpersoon die begeleider is bij deze inzetorganisatie."),
            field="host_contact_id",
        )
    return client, host, contact


# --- municipalities ---------------------------------------------------------------------------


def _municipality_key(name: str | None) -> str:
    """ "Gemeente Utrecht", "utrecht" and " Utrecht " are the same municipality."""
    key = " ".join((name or "").split()).casefold()
    return key.removeprefix("gemeente ").strip()


def municipality_name(name: str) -> str:
    """The name a municipality is stored under: "Gemeente " and the name as typed, with a
    capital first letter ("amersfoort" → "Gemeente Amersfoort"; "'s-Hertogenbosch" stays)."""
    clean = " ".join((name or "").split())
    if clean.casefold().startswith("gemeente "):
        clean = clean[len("gemeente ") :].strip()
    if clean[:1].islower():
        clean = clean[0].upper() + clean[1:]
    return f"Gemeente {clean}"


def municipalities() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.MUNICIPALITY)
            .order_by(Organisation.name)
        )
    )


def find_or_add_municipality(name: str, *, actor: User, organisation_id: int) -> Organisation:
    """The municipality called ``name``; a new one is added (its klantmanagers can be invited
    later by the site administrator)."""
    key = _municipality_key(name)
    if not key:
        raise DomainError(_("Vul de gemeente in."), field="municipality")
    for row in municipalities():
        if _municipality_key(row.name) == key:
            return row
    return _add_municipality(municipality_name(name), actor, organisation_id)


def _add_municipality(stored: str, actor: User, organisation_id: int) -> Organisation:
    """A new municipality under its stored name; the audit row goes to the organisation whose
    agreement named it."""
    _check_new_municipality_name(stored)
    row = Organisation(name=stored, kind=OrganisationKind.MUNICIPALITY)
    db.session.add(row)
    db.session.flush()
    log_action(
        "participation.municipality_added",
        actor=actor,
        organisation_id=organisation_id,
        obj=row,
        name=stored,
    )
    return row


def _check_new_municipality_name(stored: str) -> None:
    """Short enough, and not the name of an organisation of another kind."""
    if len(stored) > 200:
        raise DomainError(_("Deze naam is te lang."), field="municipality")
    if db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == stored.lower())
    ):
        raise DomainError(
            _("Er is al een organisatie met de naam %(name)s die geen gemeente is.", name=stored),
            field="municipality",
        )


def _check_terms(data: dict) -> None:
    if not _municipality_key(data.get("municipality")):
        raise DomainError(_("Vul de gemeente in."), field="municipality")
    _check_client_reference((data.get("client_reference") or "").strip())
    if not (data.get("activity") or "").strip():
        raise DomainError(_("Vul in welk werk de deelnemer doet."), field="activity")
    _check_weekly_minutes(data.get("weekly_minutes_min"), data.get("weekly_minutes_max"))
    _check_dates(data)


def _check_client_reference(reference: str) -> None:
    """The municipality's own number for the client: given, and never a BSN."""
    if not reference:
        raise DomainError(_("Vul het klantnummer van de gemeente in."), field="client_reference")
    if looks_like_bsn(reference):
        raise DomainError(
            _(
                "Dit lijkt een burgerservicenummer (BSN). Een BSN mag hier niet worden "
                "opgeslagen. Vul het eigen klantnummer van de gemeente in."
            ),
            field="client_reference",
        )


def _check_weekly_minutes(low: int | None, high: int | None) -> None:
    """A range of whole quarters of an hour per week, at most 40 hours."""
    if low is None or high is None or low < 0 or high <= 0:
        raise DomainError(_("Vul het aantal uren per week in."), field="weekly_minutes_min")
    if low % 15 or high % 15:
        raise DomainError(_("Gebruik hele kwartieren."), field="weekly_minutes_min")
    if low > high:
        raise DomainError(
            _("Het minimum mag niet hoger zijn dan het maximum."), field="weekly_minutes_max"
        )
    if high > MAX_MINUTES_PER_WEEK:
        raise DomainError(_("Meer dan 40 uur per week kan niet."), field="weekly_minutes_max")


def _check_dates(data: dict) -> None:
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts is None:
        raise DomainError(_("Vul de begindatum in."), field="starts_on")
    if ends is None:
        raise DomainError(_("Vul de einddatum in."), field="ends_on")
    if ends < starts:
        raise DomainError(_("De einddatum mag niet vóór de begindatum liggen."), field="ends_on")
    _check_regime_period(Regime(data["regime"]), starts, ends)


def _check_regime_period(regime: Regime, starts: date, ends: date) -> None:
    """The tegenprestatie ends with 2026; maatschappelijke participatie starts in 2027."""
    rule = REGIME_RULES[regime]
    if rule.valid_until and ends > rule.valid_until:
        raise DomainError(
            _(
                "De tegenprestatie geldt tot en met 31 december 2026. Kies een einddatum tot "
                "die dag, of kies maatschappelijke participatie."
            ),
            field="ends_on",
        )
    if rule.valid_from and starts < rule.valid_from:
        raise DomainError(
            _(
                "Maatschappelijke participatie begint op 1 januari 2027. "
                "Kies een latere begindatum."
            ),
            field="starts_on",
        )


def _apply_terms(agreement: ParticipationAgreement, data: dict, actor: User) -> None:
    municipality = find_or_add_municipality(
        data["municipality"], actor=actor, organisation_id=agreement.organisation_id
    )
    agreement.municipality_id = municipality.id
    agreement.municipality = municipality
    agreement.client_reference = data["client_reference"].strip()
    agreement.regime = Regime(data["regime"])
    agreement.legal_reference = REGIME_RULES[agreement.regime].legal_reference
    agreement.activity = data["activity"].strip()
    agreement.weekly_minutes_min = data["weekly_minutes_min"]
    agreement.weekly_minutes_max = data["weekly_minutes_max"]
    agreement.starts_on = data["starts_on"]
    agreement.ends_on = data["ends_on"]


def create_agreement(
    organisation: Organisation, data: dict, *, actor: User
) -> ParticipationAgreement:
    """Record a participation agreement; mails the client and the host contact."""
    client, host, contact = _people(organisation, data)
    _check_terms(data)
    agreement = ParticipationAgreement(
        organisation_id=organisation.id,
        client_id=client.id,
        host_organisation_id=host.id,
        host_contact_id=contact.id,
        created_by_id=actor.id,
    )
    _apply_terms(agreement, data, actor)
    db.session.add(agreement)
    db.session.flush()
    log_action("participation.agreement_created", actor=actor, **in_agreement(agreement))
    _mail_new_agreement(agreement, client, contact)
    return agreement


def _people(organisation: Organisation, data: dict) -> tuple[User, Organisation, User]:
    """The client, host organisation and host contact the form chose, once each fits."""
    client = db.session.get(User, data.get("client_id") or 0)
    host = db.session.get(Organisation, data.get("host_organisation_id") or 0)
    contact = db.session.get(User, data.get("host_contact_id") or 0)
    return _checked_people(organisation, client, host, contact)


def _mail_new_agreement(agreement: ParticipationAgreement, client: User, contact: User) -> None:
    for person, side in ((client, "client"), (contact, "host")):
        template = f"participation_agreement_{side}.txt"
        mail_about_agreement(person, agreement, template, _agreement_subject)


def update_agreement(
    agreement: ParticipationAgreement, data: dict, *, version_id: int | None, actor: User
) -> ParticipationAgreement:
    """Change the terms of an agreement. Logged hours must stay inside the period."""
    if version_id != agreement.version_id:
        raise stale_edit()
    _check_terms(data)
    _check_hours_inside(agreement, data["starts_on"], data["ends_on"])
    before = {name: str(getattr(agreement, name)) for name in AGREEMENT_FIELDS}
    _apply_terms(agreement, data, actor)
    changed = sorted(n for n in AGREEMENT_FIELDS if str(getattr(agreement, n)) != before[n])
    db.session.flush()
    log_action(
        "participation.agreement_changed", actor=actor, **in_agreement(agreement), fields=changed
    )
    return agreement


def _check_hours_inside(agreement: ParticipationAgreement, starts: date, ends: date) -> None:
    """The hours already logged stay inside the agreement's new period."""
    outside = db.count(
        select(func.count(HoursEntry.id)).where(
            HoursEntry.agreement_id == agreement.id,
            (HoursEntry.worked_on < starts) | (HoursEntry.worked_on > ends),
        )
    )
    if outside:
        raise DomainError(
            _(
                "Er zijn al uren geschreven buiten deze periode. "
                "Kies een periode waar die in vallen."
            ),
            field="starts_on",
        )


def add_exemption(
    agreement: ParticipationAgreement, starts_on: date, ends_on: date, reason: str, *, actor: User
) -> Exemption:
    """Record an ontheffing. Dates inside the agreement, not overlapping another one."""
    _check_exemption_period(agreement, starts_on, ends_on)
    exemption = Exemption(
        agreement_id=agreement.id, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )
    db.session.add(exemption)
    agreement.exemptions.append(exemption)
    db.session.flush()
    # The reason is not copied into the audit log: it may be about health or care duties.
    log_action("participation.exemption_added", actor=actor, **in_agreement(agreement, exemption))
    return exemption


def _check_exemption_period(agreement: ParticipationAgreement, starts: date, ends: date) -> None:
    if ends < starts:
        raise DomainError(_("De einddatum mag niet vóór de begindatum liggen."), field="ends_on")
    if not (agreement.covers(starts) and agreement.covers(ends)):
        raise DomainError(
            _("De ontheffing moet binnen de periode van de afspraak vallen."), field="starts_on"
        )
    for other in agreement.exemptions:
        if other.starts_on <= ends and starts <= other.ends_on:
            raise DomainError(_("Er is al een ontheffing in deze periode."), field="starts_on")


# --- audit and mail ---------------------------------------------------------------------------


def in_agreement(agreement: ParticipationAgreement, obj: object = None) -> dict[str, Any]:
    """Where the audit row of a write on ``agreement`` goes (its organisation), for the agreement
    itself or for ``obj`` inside it (hours, an exemption, a report: then with the agreement's id).
    Use as ``log_action(action, actor=actor, **in_agreement(agreement, obj), ...)``."""
    if obj is None:
        return {"organisation_id": agreement.organisation_id, "obj": agreement}
    return {"organisation_id": agreement.organisation_id, "obj": obj, "agreement_id": agreement.id}


def _agreement_subject():
    return _("Er is een participatieafspraak vastgelegd")


def mail_about_agreement(user: User, agreement, template: str, subject, **context) -> None:
    """Mail ``user`` about ``agreement`` with a link to it (``email/<template>``)."""
    link = absolute_url("participation.agreement", agreement_id=agreement.id)
    mail_user(
        user,
        f"email/{template}",
        subject,
        organisation_id=agreement.organisation_id,
        agreement=agreement,
        link=link,
        **context,
    )
