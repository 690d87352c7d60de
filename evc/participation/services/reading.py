"""Reads of the participation log that screens share: the agreements of a client and of an
organisation, an agreement's hours and reports, the people an agreement can name, and the
hours that wait for a host contact."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from evc.extensions import db
from evc.participation.models import (
    EntryStatus,
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
)

# --- agreements and what they hold -------------------------------------------------------------


def agreements_of_client(client: User) -> Sequence[ParticipationAgreement]:
    """The client's own agreements with their host, the latest start first."""
    return db.session.scalars(
        select(ParticipationAgreement)
        .where(ParticipationAgreement.client_id == client.id)
        .options(joinedload(ParticipationAgreement.host_organisation))
        .order_by(ParticipationAgreement.starts_on.desc())
    ).all()


def agreements_of_organisation(organisation: Organisation) -> Sequence[ParticipationAgreement]:
    """The agreements the organisation made, with client and host, the latest start first."""
    return db.session.scalars(
        select(ParticipationAgreement)
        .where(ParticipationAgreement.organisation_id == organisation.id)
        .options(
            joinedload(ParticipationAgreement.client),
            joinedload(ParticipationAgreement.host_organisation),
        )
        .order_by(ParticipationAgreement.starts_on.desc(), ParticipationAgreement.id.desc())
    ).all()


def entries_of(agreement: ParticipationAgreement) -> list[HoursEntry]:
    """The agreement's hours, the latest day first."""
    return list(
        db.session.scalars(
            select(HoursEntry)
            .where(HoursEntry.agreement_id == agreement.id)
            .order_by(HoursEntry.worked_on.desc(), HoursEntry.id.desc())
        )
    )


def reports_of(agreement: ParticipationAgreement) -> list[ParticipationReport]:
    """The reports issued on the agreement, the latest first."""
    return list(
        db.session.scalars(
            select(ParticipationReport)
            .where(ParticipationReport.agreement_id == agreement.id)
            .order_by(ParticipationReport.id.desc())
        )
    )


# --- the people an agreement names -------------------------------------------------------------


def clients_of(organisation: Organisation) -> Sequence[User]:
    return db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.role == Role.CLIENT)
        .order_by(User.display_name)
    ).all()


def hosts() -> Sequence[Organisation]:
    """The active host organisations, by name."""
    return db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.HOST, Organisation.is_active.is_(True))
        .order_by(Organisation.name)
    ).all()


def host_contacts() -> Sequence:
    """Supervisors at a host, with the host's name."""
    return db.session.execute(
        select(User, Organisation.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.kind == OrganisationKind.HOST, Membership.role == Role.SUPERVISOR)
        .order_by(User.display_name)
    ).all()


# --- the host contact --------------------------------------------------------------------------


def host_agreement_ids(user: User) -> Select:
    """Agreements where ``user`` is the contact, at a host where they are still a supervisor."""
    return select(ParticipationAgreement.id).where(
        ParticipationAgreement.host_contact_id == user.id,
        ParticipationAgreement.host_organisation_id.in_(user.organisation_ids(Role.SUPERVISOR)),
    )


def pending_for_host(user: User) -> Sequence[HoursEntry]:
    """The hours that wait for ``user`` as host contact, by agreement and day."""
    return db.session.scalars(
        select(HoursEntry)
        .where(
            HoursEntry.status == EntryStatus.PENDING,
            HoursEntry.agreement_id.in_(host_agreement_ids(user)),
        )
        .options(joinedload(HoursEntry.agreement).joinedload(ParticipationAgreement.client))
        .order_by(HoursEntry.agreement_id, HoursEntry.worked_on, HoursEntry.id)
    ).all()
