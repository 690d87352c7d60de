"""Screens of care-task protocols and clearances, and the JSON check for scheduling tools.

Each view: load → require → validate → service → commit → flash → redirect.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Membership, Organisation, Role, User
from evc.accounts.views import apply_form_error
from evc.errors import DomainError
from evc.extensions import db
from evc.formfields import EmptyForm
from evc.framework import current_framework
from evc.mail import send_pending
from evc.once import consume_once
from evc.permissions import permission, require, token_authenticated
from evc.protocols import services
from evc.protocols.forms import (
    AcknowledgeForm,
    ApiTokenForm,
    CheckForm,
    GrantForm,
    PortfolioForm,
    ProtocolForm,
    RevokeForm,
    StartClearanceForm,
    VogForm,
    instruction_form,
)
from evc.protocols.loader import item_hash
from evc.protocols.models import (
    ApiToken,
    Clearance,
    ClearanceStatus,
    ItemKind,
    ProtocolVersion,
    ReservedActAuthorisation,
    TaskProtocol,
    VogStatus,
    VolunteerVog,
)
from evc.protocols.services import Observation
from evc.protocols.status import State, evaluate, grant_blockers, local_today, vog_due_on

bp = Blueprint("protocols", __name__)


# --- loading -------------------------------------------------------------------------------


def _actor() -> User:
    return current_user._get_current_object()


def load_organisation(organisation_id: int, rule: str) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    require(rule, organisation)
    return organisation


def load_protocol(protocol_id: int, rule: str) -> TaskProtocol:
    protocol = db.session.get(
        TaskProtocol, protocol_id, options=[joinedload(TaskProtocol.organisation)]
    )
    if protocol is None:
        abort(404)
    require(rule, protocol)
    return protocol


def load_clearance(clearance_id: int, rule: str) -> Clearance:
    clearance = db.session.get(
        Clearance,
        clearance_id,
        options=[joinedload(Clearance.volunteer), joinedload(Clearance.protocol)],
    )
    if clearance is None:
        abort(404)
    require(rule, clearance)
    return clearance


def load_volunteer(organisation: Organisation, user_id: int) -> User:
    """A volunteer of ``organisation``; anyone else is a 404."""
    user = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == user_id,
            Membership.organisation_id == organisation.id,
            Membership.role == Role.VOLUNTEER,
        )
        .limit(1)
    )
    if user is None:
        abort(404)
    return user


def _commit_and_mail() -> None:
    db.session.commit()
    send_pending()


def _to_clearance(clearance: Clearance):
    return redirect(url_for("protocols.clearance", clearance_id=clearance.id))


def _labels() -> dict:
    """State labels, translated once per page."""
    return {
        State.CLEARED: _("Bevoegd"),
        State.EXPIRES_SOON: _("Verloopt binnenkort"),
        State.EXPIRED: _("Verlopen"),
        State.REACKNOWLEDGE: _("Opnieuw bevestigen nodig"),
        State.IN_PROGRESS: _("Bezig"),
        State.REVOKED: _("Ingetrokken"),
        State.MISSING: _("Ontbreekt"),
    }


def _vog_labels() -> dict:
    return {
        VogStatus.NOT_REQUESTED: _("Niet aangevraagd"),
        VogStatus.REQUESTED: _("Aangevraagd"),
        VogStatus.RECEIVED: _("Ontvangen"),
    }


# --- the start page of this part ----------------------------------------------------------


@bp.route("/bevoegdheden")
@permission("clearance.home")
def home():
    """Own clearances (volunteers) and the organisations one instructs or coordinates."""
    user = _actor()
    on = local_today()
    own = (
        db.session.scalars(
            select(Clearance)
            .where(Clearance.volunteer_id == user.id)
            .options(joinedload(Clearance.protocol), joinedload(Clearance.items))
            .order_by(Clearance.id.desc())
        )
        .unique()
        .all()
    )
    versions = _current_versions({c.protocol_id for c in own})
    vogs = {
        v.organisation_id: v
        for v in db.session.scalars(
            select(VolunteerVog).where(VolunteerVog.volunteer_id == user.id)
        )
    }
    rows = [
        (
            c,
            versions[c.protocol_id],
            evaluate(c, versions[c.protocol_id], vogs.get(c.organisation_id), on),
        )
        for c in own
    ]
    organisation_ids = user.organisation_ids(Role.INSTRUCTOR) | user.organisation_ids(
        Role.COORDINATOR
    )
    volunteer_ids = user.organisation_ids(Role.VOLUNTEER)
    organisations = (
        db.session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(organisation_ids | volunteer_ids))
            .order_by(Organisation.name)
        ).all()
        if organisation_ids | volunteer_ids
        else []
    )
    return render_template(
        "protocols/home.html",
        rows=rows,
        organisations=organisations,
        vogs=vogs,
        vog_labels=_vog_labels(),
        labels=_labels(),
        is_volunteer=bool(volunteer_ids),
        vog_due_on=vog_due_on,
    )


def _current_versions(protocol_ids: set[int]) -> dict[int, ProtocolVersion]:
    if not protocol_ids:
        return {}
    rows = db.session.execute(
        select(TaskProtocol.id, ProtocolVersion)
        .join(ProtocolVersion, ProtocolVersion.protocol_id == TaskProtocol.id)
        .where(
            TaskProtocol.id.in_(protocol_ids),
            ProtocolVersion.number == TaskProtocol.latest_number,
        )
    ).all()
    return {protocol_id: version for protocol_id, version in rows}


# --- protocols -----------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/protocollen")
@permission("protocol.view", per_object=True)
def protocols(organisation_id: int):
    organisation = load_organisation(organisation_id, "protocol.view")
    return render_template(
        "protocols/protocols.html",
        organisation=organisation,
        protocols=services.protocols_with_versions(organisation.id),
        import_form=EmptyForm(),
        missing_from_library=_library_keys_missing(organisation),
    )


def _library_keys_missing(organisation: Organisation) -> list[str]:
    from evc.protocols.loader import protocol_library

    have = set(
        db.session.scalars(
            select(TaskProtocol.key).where(TaskProtocol.organisation_id == organisation.id)
        )
    )
    return sorted(set(protocol_library()) - have)


@bp.route("/organisaties/<int:organisation_id>/protocollen/voorbeelden", methods=["POST"])
@permission("protocol.manage", per_object=True)
def import_library(organisation_id: int):
    organisation = load_organisation(organisation_id, "protocol.manage")
    if not EmptyForm().validate_on_submit():
        abort(400)
    added = services.import_library(organisation, actor=_actor())
    _commit_and_mail()
    flash(
        _("%(count)d voorbeeldprotocollen overgenomen.", count=len(added))
        if added
        else _("Alle voorbeeldprotocollen staan er al."),
        "success",
    )
    return redirect(url_for("protocols.protocols", organisation_id=organisation.id))


@bp.route("/organisaties/<int:organisation_id>/protocollen/nieuw", methods=["GET", "POST"])
@permission("protocol.manage", per_object=True)
def new_protocol(organisation_id: int):
    organisation = load_organisation(organisation_id, "protocol.manage")
    form = ProtocolForm()
    status = 200
    if form.validate_on_submit():
        try:
            spec = services.spec_from_form(form.as_data(1))
            protocol = services.add_protocol(organisation, spec, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Het protocol %(title)s is gepubliceerd.", title=spec.title), "success")
            return redirect(url_for("protocols.protocol", protocol_id=protocol.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "protocols/protocol_form.html", form=form, organisation=organisation, protocol=None
    ), status


@bp.route("/protocollen/<int:protocol_id>")
@permission("protocol.view", per_object=True)
def protocol(protocol_id: int):
    item = load_protocol(protocol_id, "protocol.view")
    versions = db.session.scalars(
        select(ProtocolVersion)
        .where(ProtocolVersion.protocol_id == item.id)
        .order_by(ProtocolVersion.number.desc())
    ).all()
    wanted = request.args.get("versie", type=int) or item.latest_number
    shown = next((v for v in versions if v.number == wanted), None)
    if shown is None:
        abort(404)
    return render_template(
        "protocols/protocol.html", protocol=item, version=shown, versions=versions
    )


@bp.route("/protocollen/<int:protocol_id>/nieuwe-versie", methods=["GET", "POST"])
@permission("protocol.manage", per_object=True)
def new_version(protocol_id: int):
    item = load_protocol(protocol_id, "protocol.manage")
    current = services.current_version(item)
    form = ProtocolForm()
    status = 200
    if request.method == "GET":
        form.fill_from(item.key, current)
        form.version_id.data = item.version_id
    elif form.validate_on_submit():
        try:
            spec = services.spec_from_form(form.as_data(item.latest_number + 1))
            version = services.publish_version(
                item, spec, expected_version_id=form.version_id.data, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Versie %(number)d is gepubliceerd.", number=version.number), "success")
            return redirect(url_for("protocols.protocol", protocol_id=item.id))
    else:
        status = 422
    return render_template(
        "protocols/protocol_form.html",
        form=form,
        organisation=item.organisation,
        protocol=item,
    ), status


# --- overview, check and expiring -----------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/bevoegdheden")
@permission("clearance.overview", per_object=True)
def overview(organisation_id: int):
    """Volunteers × tasks, and the clearances that expire soon."""
    organisation = load_organisation(organisation_id, "clearance.overview")
    on = local_today()
    grid = services.matrix(organisation.id, on)
    return render_template(
        "protocols/overview.html",
        organisation=organisation,
        grid=grid,
        expiring=services.expiring_clearances(organisation.id, on),
        labels=_labels(),
        on=on,
    )


@bp.route("/organisaties/<int:organisation_id>/bevoegdheden/controle")
@permission("clearance.overview", per_object=True)
def check(organisation_id: int):
    """The question as a page: may this volunteer do this task on this date?"""
    organisation = load_organisation(organisation_id, "clearance.overview")
    form = CheckForm(request.args)
    volunteers = services.members_with_role(organisation.id, Role.VOLUNTEER)
    protocols = services.protocols_with_versions(organisation.id)
    form.vrijwilliger.choices = [(0, _("Kies een vrijwilliger"))] + [
        (u.id, u.display_name) for u in volunteers
    ]
    form.taak.choices = [(0, _("Kies een taak"))] + [(p.id, v.title) for p, v in protocols]
    verdict = asked = None
    status = 200
    if request.args:
        if not form.datum.data and not form.datum.errors and not form.datum.raw_data:
            form.datum.data = local_today()
        if form.validate():
            volunteer = next((u for u in volunteers if u.id == form.vrijwilliger.data), None)
            protocol = next((p for p, _v in protocols if p.id == form.taak.data), None)
            if volunteer is None:
                form.vrijwilliger.errors = [_("Kies een vrijwilliger van deze organisatie.")]
            if protocol is None:
                form.taak.errors = [_("Kies een taak van deze organisatie.")]
            if volunteer and protocol:
                verdict = services.check(
                    organisation.id,
                    volunteer,
                    protocol,
                    on=form.datum.data,
                    client=form.client.data or "",
                )
                asked = (volunteer, dict(protocols)[protocol], form.datum.data)
        if verdict is None:
            status = 422
    else:
        form.datum.data = local_today()
    return render_template(
        "protocols/check.html",
        organisation=organisation,
        form=form,
        verdict=verdict,
        asked=asked,
        labels=_labels(),
    ), status


# --- one clearance -------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/bevoegdheden/nieuw", methods=["GET", "POST"])
@permission("clearance.start", per_object=True)
def start(organisation_id: int):
    organisation = load_organisation(organisation_id, "clearance.start")
    volunteers = services.members_with_role(organisation.id, Role.VOLUNTEER)
    protocols = services.protocols_with_versions(organisation.id)
    form = StartClearanceForm()
    form.volunteer.choices = [(0, _("Kies een vrijwilliger"))] + [
        (u.id, u.display_name) for u in volunteers
    ]
    form.protocol.choices = [(0, _("Kies een taak"))] + [(p.id, v.title) for p, v in protocols]
    if request.method == "GET":
        form.volunteer.data = request.args.get("vrijwilliger", 0, type=int)
        form.protocol.data = request.args.get("taak", 0, type=int)
    status = 200
    if form.validate_on_submit():
        volunteer = next((u for u in volunteers if u.id == form.volunteer.data), None)
        protocol = next((p for p, _v in protocols if p.id == form.protocol.data), None)
        try:
            if volunteer is None:
                raise DomainError(_("Kies een vrijwilliger van deze organisatie."), "volunteer")
            if protocol is None:
                raise DomainError(_("Kies een taak van deze organisatie."), "protocol")
            clearance = services.start_clearance(organisation, volunteer, protocol, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De bevoegdverklaring is aangemaakt."), "success")
            return _to_clearance(clearance)
    elif form.is_submitted():
        status = 422
    return render_template("protocols/start.html", form=form, organisation=organisation), status


@bp.route("/bevoegdheden/<int:clearance_id>")
@permission("clearance.view", per_object=True)
def clearance(clearance_id: int):
    item = load_clearance(clearance_id, "clearance.view")
    version = services.current_version(item.protocol)
    vog = services.vog_for(item)
    on = local_today()
    return render_template(
        "protocols/clearance.html",
        clearance=item,
        version=version,
        verdict=evaluate(item, version, vog, on),
        blockers=grant_blockers(item, version, vog, on),
        vog=vog,
        vog_labels=_vog_labels(),
        labels=_labels(),
        items={(i.kind, i.item_hash): i for i in item.items},
        item_hash=item_hash,
        ItemKind=ItemKind,
        renewal=item.status == ClearanceStatus.GRANTED,
        people=_names({item.instructor_id, item.granted_by_id}),
    )


def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return dict(rows)


@bp.route("/bevoegdheden/<int:clearance_id>/kennis", methods=["GET", "POST"])
@permission("clearance.acknowledge", per_object=True)
def acknowledge(clearance_id: int):
    item = load_clearance(clearance_id, "clearance.acknowledge")
    version = services.current_version(item.protocol)
    form = AcknowledgeForm()
    form.set_items(version.know)
    status = 200
    if request.method == "GET":
        form.items.data = [i.item_hash for i in item.items if i.kind == ItemKind.KNOW and i.done]
    elif form.validate_on_submit():
        try:
            services.acknowledge_knowledge(item, version, form.items.data or [], actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Je hebt de kennis bevestigd. Dank je wel."), "success")
            return _to_clearance(item)
    else:
        status = 422
    return render_template(
        "protocols/acknowledge.html", form=form, clearance=item, version=version
    ), status


@bp.route("/bevoegdheden/<int:clearance_id>/instructie", methods=["GET", "POST"])
@permission("clearance.instruct", per_object=True)
def instruct(clearance_id: int):
    item = load_clearance(clearance_id, "clearance.instruct")
    version = services.current_version(item.protocol)
    form = instruction_form(version, item)
    status = 200
    if request.method == "GET":
        _prefill_instruction(form, item, version)
    elif form.validate_on_submit():
        try:
            services.record_instruction(
                item,
                version,
                instructed_on=form.instructed_on.data,
                observations=_observations(form, version),
                confirmed_resources={
                    item_hash(text) for text, field in form.resource_rows if field.data
                },
                expected_version_id=form.version_id.data,
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De instructie en de vaardigheden zijn opgeslagen."), "success")
            return _to_clearance(item)
    else:
        status = 422
    return render_template(
        "protocols/instruct.html", form=form, clearance=item, version=version
    ), status


def _prefill_instruction(form, item: Clearance, version: ProtocolVersion) -> None:
    form.version_id.data = item.version_id
    form.instructed_on.data = item.instructed_on or local_today()
    for text, result, seen_on, note in form.skill_rows:
        seen = item.item(ItemKind.SKILL, item_hash(text))
        if seen is not None and (item.granted_on is None or seen.happened_on > item.granted_on):
            result.data = "yes" if seen.done else "no"
            seen_on.data, note.data = seen.happened_on, seen.note
        else:
            seen_on.data = local_today()
    for text, field in form.resource_rows:
        confirmed = item.item(ItemKind.RESOURCE, item_hash(text))
        field.data = bool(confirmed and confirmed.done)


def _observations(form, version: ProtocolVersion) -> dict[str, Observation]:
    result = {}
    for text, outcome, seen_on, note in form.skill_rows:
        demonstrated = {"yes": True, "no": False}.get(outcome.data)
        result[item_hash(text)] = Observation(demonstrated, seen_on.data, note.data or "")
    return result


@bp.route("/bevoegdheden/<int:clearance_id>/verlenen", methods=["GET", "POST"])
@permission("clearance.instruct", per_object=True)
def grant(clearance_id: int):
    item = load_clearance(clearance_id, "clearance.instruct")
    version = services.current_version(item.protocol)
    on = local_today()
    form = GrantForm()
    status = 200
    if request.method == "GET":
        form.valid_until.data = services.latest_valid_until(version, on)
        form.client_reference.data = item.client_reference
        form.version_id.data = item.version_id
    elif form.validate_on_submit():
        try:
            services.grant_clearance(
                item,
                version,
                valid_until=form.valid_until.data,
                client_reference=form.client_reference.data or "",
                expected_version_id=form.version_id.data,
                actor=_actor(),
                on=on,
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("%(name)s is bevoegd verklaard.", name=item.volunteer.display_name), "success")
            return _to_clearance(item)
    else:
        status = 422
    return render_template(
        "protocols/grant.html",
        form=form,
        clearance=item,
        version=version,
        blockers=grant_blockers(item, version, services.vog_for(item), on),
        authorised=not version.reserved_act
        or services.may_clear_reserved_acts(_actor(), item.organisation_id),
    ), status


@bp.route("/bevoegdheden/<int:clearance_id>/intrekken", methods=["GET", "POST"])
@permission("clearance.revoke", per_object=True)
def revoke(clearance_id: int):
    item = load_clearance(clearance_id, "clearance.revoke")
    form = RevokeForm()
    status = 200
    if request.method == "GET":
        form.version_id.data = item.version_id
    elif form.validate_on_submit():
        try:
            services.revoke_clearance(
                item,
                reason=form.reason.data,
                expected_version_id=form.version_id.data,
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De bevoegdverklaring is ingetrokken."), "success")
            return _to_clearance(item)
    else:
        status = 422
    return render_template("protocols/revoke.html", form=form, clearance=item), status


@bp.route("/bevoegdheden/<int:clearance_id>/portfolio", methods=["GET", "POST"])
@permission("clearance.add_to_portfolio", per_object=True)
def add_to_portfolio(clearance_id: int):
    item = load_clearance(clearance_id, "clearance.add_to_portfolio")
    trajectory = services.open_trajectory(item.volunteer)
    form = PortfolioForm()
    chosen = []
    if trajectory is not None:
        framework = current_framework(trajectory.framework_id)
        chosen = [
            (cid, framework.competency(cid).name(_language()))
            for cid in sorted(trajectory.progress.chosen)
        ]
    form.competency.choices = chosen
    if request.method == "GET" and any(c == "working_safely_and_healthily" for c, _n in chosen):
        form.competency.data = "working_safely_and_healthily"
    status = 200
    if form.validate_on_submit():
        try:
            if form.competency.data not in {c for c, _n in chosen}:
                raise DomainError(
                    _("Kies een competentie die je in je traject hebt gekozen."), "competency"
                )
            consume_once(form)
            evidence = services.add_to_portfolio(
                item, competency_id=form.competency.data, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De bevoegdverklaring staat nu in je portfolio."), "success")
            return redirect(url_for("portfolio.item", item_id=evidence.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "protocols/portfolio.html", form=form, clearance=item, trajectory=trajectory
    ), status


def _language() -> str:
    from evc import select_language

    return select_language()


# --- VOG -----------------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/vog")
@permission("vog.manage", per_object=True)
def vogs(organisation_id: int):
    organisation = load_organisation(organisation_id, "vog.manage")
    volunteers = services.members_with_role(organisation.id, Role.VOLUNTEER)
    records = {
        v.volunteer_id: v
        for v in db.session.scalars(
            select(VolunteerVog).where(VolunteerVog.organisation_id == organisation.id)
        )
    }
    return render_template(
        "protocols/vogs.html",
        organisation=organisation,
        rows=[(u, records.get(u.id)) for u in volunteers],
        vog_labels=_vog_labels(),
        vog_due_on=vog_due_on,
        on=local_today(),
    )


@bp.route("/organisaties/<int:organisation_id>/vog/<int:user_id>", methods=["GET", "POST"])
@permission("vog.manage", per_object=True)
def vog(organisation_id: int, user_id: int):
    organisation = load_organisation(organisation_id, "vog.manage")
    volunteer = load_volunteer(organisation, user_id)
    record = services.vog_record(organisation.id, volunteer.id)
    form = VogForm()
    status = 200
    if request.method == "GET":
        form.status.data = (record.status if record else VogStatus.NOT_REQUESTED).value
        if record:
            form.requested_on.data, form.issued_on.data = record.requested_on, record.issued_on
            form.version_id.data = record.version_id
    elif form.validate_on_submit():
        try:
            services.set_vog(
                organisation,
                volunteer,
                status=VogStatus(form.status.data),
                requested_on=form.requested_on.data,
                issued_on=form.issued_on.data,
                expected_version_id=form.version_id.data,
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De VOG van %(name)s is bijgewerkt.", name=volunteer.display_name), "success")
            return redirect(url_for("protocols.vogs", organisation_id=organisation.id))
    else:
        status = 422
    return render_template(
        "protocols/vog.html", form=form, organisation=organisation, volunteer=volunteer
    ), status


# --- instructors ---------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/instructeurs")
@permission("instructor.authorise", per_object=True)
def instructors(organisation_id: int):
    organisation = load_organisation(organisation_id, "instructor.authorise")
    authorised = set(
        db.session.scalars(
            select(ReservedActAuthorisation.user_id).where(
                ReservedActAuthorisation.organisation_id == organisation.id
            )
        )
    )
    return render_template(
        "protocols/instructors.html",
        organisation=organisation,
        instructors=services.members_with_role(organisation.id, Role.INSTRUCTOR),
        authorised=authorised,
        form=EmptyForm(),
    )


@bp.route(
    "/organisaties/<int:organisation_id>/instructeurs/<int:user_id>/voorbehouden",
    methods=["POST"],
)
@permission("instructor.authorise", per_object=True)
def authorise(organisation_id: int, user_id: int):
    organisation = load_organisation(organisation_id, "instructor.authorise")
    instructor = db.session.get(User, user_id)
    if instructor is None or Role.INSTRUCTOR not in instructor.roles_in(organisation.id):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("bevoegd") == "ja"
    try:
        services.set_reserved_act_authorisation(organisation, instructor, wanted, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        _commit_and_mail()
        flash(
            _(
                "%(name)s mag nu voorbehouden handelingen bevoegd verklaren.",
                name=instructor.display_name,
            )
            if wanted
            else _(
                "%(name)s mag geen voorbehouden handelingen meer bevoegd verklaren.",
                name=instructor.display_name,
            ),
            "success",
        )
    return redirect(url_for("protocols.instructors", organisation_id=organisation.id))


# --- API tokens ----------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/api-sleutels", methods=["GET", "POST"])
@permission("api_token.manage", per_object=True)
def api_tokens(organisation_id: int):
    """Tokens for scheduling tools. A new token is shown once, on this answer only."""
    organisation = load_organisation(organisation_id, "api_token.manage")
    form = ApiTokenForm()
    status, plain = 200, None
    if form.validate_on_submit():
        try:
            _token, plain = services.create_api_token(organisation, form.name.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            form = ApiTokenForm(formdata=None)
    elif form.is_submitted():
        status = 422
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.organisation_id == organisation.id)
        .options(joinedload(ApiToken.created_by))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    ).all()
    return render_template(
        "protocols/api_tokens.html",
        organisation=organisation,
        form=form,
        tokens=tokens,
        plain=plain,
        revoke_form=EmptyForm(),
    ), status


@bp.route(
    "/organisaties/<int:organisation_id>/api-sleutels/<int:token_id>/intrekken", methods=["POST"]
)
@permission("api_token.manage", per_object=True)
def revoke_api_token(organisation_id: int, token_id: int):
    organisation = load_organisation(organisation_id, "api_token.manage")
    token = db.session.get(ApiToken, token_id)
    if token is None or token.organisation_id != organisation.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_api_token(token, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        _commit_and_mail()
        flash(_("De sleutel %(name)s is ingetrokken.", name=token.name), "success")
    return redirect(url_for("protocols.api_tokens", organisation_id=organisation.id))


# --- the JSON check for scheduling tools ---------------------------------------------------


def _json_error(status: int, code: str, message: str):
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="evc"'
    return response


@bp.route("/api/v1/bevoegdheid")
@token_authenticated
def api_check():
    """GET with ``Authorization: Bearer <token>``; ``vrijwilliger`` (user id), ``taak``
    (protocol code), optional ``datum`` (YYYY-MM-DD, default today) and ``client``. Only
    volunteers and tasks of the token's organisation exist for it (else 404)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    token = services.find_api_token(value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return _json_error(401, "unauthorized", "Missing, unknown or revoked token.")
    volunteer_id = request.args.get("vrijwilliger", type=int)
    key = request.args.get("taak", "")
    try:
        on = date.fromisoformat(request.args["datum"]) if request.args.get("datum") else None
    except ValueError:
        return _json_error(400, "bad_date", "datum must be a date as YYYY-MM-DD.")
    client = request.args.get("client", "")[:40]
    volunteer = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == (volunteer_id or 0),
            Membership.organisation_id == token.organisation_id,
            Membership.role == Role.VOLUNTEER,
        )
        .limit(1)
    )
    if volunteer is None:
        return _json_error(404, "unknown_volunteer", "No such volunteer in this organisation.")
    protocol = db.session.scalar(
        select(TaskProtocol).where(
            TaskProtocol.organisation_id == token.organisation_id, TaskProtocol.key == key
        )
    )
    if protocol is None:
        return _json_error(404, "unknown_task", "No such task in this organisation.")
    on = on or local_today()
    verdict = services.check(token.organisation_id, volunteer, protocol, on=on, client=client)
    return jsonify(
        {
            "vrijwilliger": volunteer.id,
            "taak": protocol.key,
            "datum": on.isoformat(),
            "client": client or None,
            "toegestaan": verdict.allowed,
            "status": verdict.state.value,
            "verloopt_op": verdict.valid_until.isoformat() if verdict.valid_until else None,
            "ontbreekt": [{"code": m.code, "tekst": m.text} for m in verdict.missing],
        }
    )
