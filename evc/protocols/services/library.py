"""Protocols: adding one, taking over the seed library, publishing a new version, and reading
the current versions."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from evc.accounts.models import Organisation
from evc.audit import log_action
from evc.errors import DomainError, stale_edit
from evc.extensions import db
from evc.protocols.loader import (
    ProtocolError,
    ProtocolSpec,
    item_hash,
    parse_protocol,
    protocol_library,
)
from evc.protocols.models import ProtocolVersion, TaskProtocol


def _new_version(protocol: TaskProtocol, spec: ProtocolSpec, number: int, actor) -> ProtocolVersion:
    version = ProtocolVersion(
        protocol=protocol,
        number=number,
        title=spec.title,
        description=spec.description,
        setting=spec.setting,
        risk_level=spec.risk_level,
        reserved_act=spec.reserved_act,
        validity_months=spec.validity_months,
        instructed_by=spec.instructed_by,
        know=list(spec.know),
        skills=list(spec.skills),
        resources=[{"kind": r.kind.value, "text": r.text} for r in spec.resources],
        stop_and_call=list(spec.stop_and_call),
        published_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    return version


def add_protocol(organisation: Organisation, spec: ProtocolSpec, *, actor) -> TaskProtocol:
    """A new protocol in ``organisation``, published as version 1. The key must be new there."""
    if spec.key in _keys_of(organisation.id):
        raise DomainError(
            _("Er is al een protocol met de code %(key)s.", key=spec.key), field="key"
        )
    protocol = TaskProtocol(organisation_id=organisation.id, key=spec.key, latest_number=1)
    db.session.add(protocol)
    _new_version(protocol, spec, 1, actor)
    db.session.flush()
    log_action(
        "protocol.added",
        actor=actor,
        organisation_id=organisation.id,
        obj=protocol,
        key=spec.key,
        version=1,
    )
    return protocol


def import_library(organisation: Organisation, *, actor) -> list[TaskProtocol]:
    """Take over every protocol of the seed library the organisation does not have yet."""
    have = _keys_of(organisation.id)
    return [
        add_protocol(organisation, spec, actor=actor)
        for key, spec in sorted(protocol_library().items())
        if key not in have
    ]


def publish_version(
    protocol: TaskProtocol, spec: ProtocolSpec, *, expected_version_id: int | None, actor
) -> ProtocolVersion:
    """Publish the next version. Clearances whose knowledge items changed then show
    "opnieuw bevestigen nodig" until the volunteer acknowledges again."""
    if spec.key != protocol.key:
        raise DomainError(_("De code van een protocol kan niet veranderen."), field="key")
    if expected_version_id is not None and expected_version_id != protocol.version_id:
        raise stale_edit()
    previous = current_version(protocol)
    version = _next_version(protocol, spec, actor)
    log_action(
        "protocol.version_published",
        actor=actor,
        organisation_id=protocol.organisation_id,
        obj=protocol,
        version=version.number,
        knowledge_changed=_hashes(previous.know) != _hashes(spec.know),
    )
    return version


def _next_version(protocol: TaskProtocol, spec: ProtocolSpec, actor) -> ProtocolVersion:
    """The protocol's next version; a number taken in the meantime is a stale save."""
    number = protocol.latest_number + 1
    protocol.latest_number = number
    version = _new_version(protocol, spec, number, actor)
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise stale_edit() from error
    return version


def _hashes(items: Iterable[str]) -> set[str]:
    return {item_hash(text) for text in items}


def spec_from_form(data: dict) -> ProtocolSpec:
    """Validate form input with the same schema as the files; a problem names the field."""
    try:
        return parse_protocol(data, "(formulier)")
    except ProtocolError as error:
        field = error.key.split("[")[0].split(".")[0]
        raise DomainError(
            _("Controleer dit veld: %(problem)s", problem=error.problem), field=field
        ) from error


def current_version(protocol: TaskProtocol) -> ProtocolVersion:
    return db.session.scalars(
        select(ProtocolVersion).where(
            ProtocolVersion.protocol_id == protocol.id,
            ProtocolVersion.number == protocol.latest_number,
        )
    ).one()


def protocols_with_versions(organisation_id: int) -> list[tuple[TaskProtocol, ProtocolVersion]]:
    """The organisation's protocols with their current versions, by title, in one query."""
    rows = db.session.execute(
        select(TaskProtocol, ProtocolVersion)
        .join(
            ProtocolVersion,
            and_(
                ProtocolVersion.protocol_id == TaskProtocol.id,
                ProtocolVersion.number == TaskProtocol.latest_number,
            ),
        )
        .where(TaskProtocol.organisation_id == organisation_id)
        .order_by(ProtocolVersion.title, TaskProtocol.id)
    ).all()
    return [(protocol, version) for protocol, version in rows]


def protocol_by_key(organisation_id: int, key: str) -> TaskProtocol | None:
    """The organisation's protocol with this code (the code scheduling tools use)."""
    return db.session.scalar(
        select(TaskProtocol).where(
            TaskProtocol.organisation_id == organisation_id, TaskProtocol.key == key
        )
    )


def library_keys_missing(organisation_id: int) -> list[str]:
    """The codes of the seed library's protocols the organisation has not taken over yet."""
    return sorted(set(protocol_library()) - _keys_of(organisation_id))


def _keys_of(organisation_id: int) -> set[str]:
    """The codes of the organisation's protocols."""
    return set(
        db.session.scalars(
            select(TaskProtocol.key).where(TaskProtocol.organisation_id == organisation_id)
        )
    )
