"""One clearance and the start page of this part: the person's own clearances, starting a
clearance, the volunteer's acknowledgement, the instruction, granting, revoking, and taking a
granted clearance into the portfolio."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation, Role
from evc.errors import DomainError
from evc.formfields import filled
from evc.framework import current_framework, page_language
from evc.once import consume_once
from evc.protocols import services
from evc.protocols.forms import (
    AcknowledgeForm,
    GrantForm,
    PortfolioForm,
    RevokeForm,
    StartClearanceForm,
    instruction_form,
)
from evc.protocols.loader import item_hash
from evc.protocols.loaders import CLEARANCE
from evc.protocols.models import Clearance, ClearanceStatus, ItemKind, ProtocolVersion
from evc.protocols.services import Observation
from evc.protocols.status import evaluate, grant_blockers, local_today, vog_due_on
from evc.protocols.views.blueprint import bp
from evc.protocols.views.labels import state_labels, task_choices, vog_labels, volunteer_choices
from evc.web import actor, done, page, permission, save

SAFETY = "working_safely_and_healthily"


def _clearance_url(clearance: Clearance) -> str:
    return url_for("protocols.clearance", clearance_id=clearance.id)


# --- the start page of this part ----------------------------------------------------------


@bp.route("/bevoegdheden")
@permission("clearance.home")
def home():
    """Own clearances (volunteers) and the organisations one instructs or coordinates."""
    user = actor()
    vogs = services.own_vogs(user)
    return page(
        "protocols/home.html",
        rows=services.own_clearances(user, vogs, local_today()),
        organisations=services.organisations_of(user),
        vogs=vogs,
        vog_labels=vog_labels(),
        labels=state_labels(),
        is_volunteer=bool(user.organisation_ids(Role.VOLUNTEER)),
        vog_due_on=vog_due_on,
    ).render()


# --- starting and showing a clearance ----------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/bevoegdheden/nieuw", methods=["GET", "POST"])
@permission("clearance.start", ORGANISATION)
def start(organisation: Organisation):
    volunteers = services.members_with_role(organisation.id, Role.VOLUNTEER)
    with_versions = services.protocols_with_versions(organisation.id)
    protocols = [p for p, _v in with_versions]
    form = StartClearanceForm()
    form.volunteer.choices = volunteer_choices(volunteers)
    form.protocol.choices = task_choices(with_versions)
    if request.method == "GET":
        form.volunteer.data = request.args.get("vrijwilliger", 0, type=int)
        form.protocol.data = request.args.get("taak", 0, type=int)
    view = page("protocols/start.html", form=form, organisation=organisation)
    return save(form, lambda: _start(organisation, form, volunteers, protocols), view)


def _start(organisation: Organisation, form: StartClearanceForm, volunteers, protocols):
    volunteer = _chosen(volunteers, form.volunteer.data, "volunteer")
    protocol = _chosen(protocols, form.protocol.data, "protocol")
    clearance = services.start_clearance(organisation, volunteer, protocol, actor=actor())
    return done(_clearance_url(clearance), _("De bevoegdverklaring is aangemaakt."))


def _chosen(options: list, wanted: int, field: str):
    """The option with id ``wanted``; one from elsewhere is refused at ``field``."""
    found = next((option for option in options if option.id == wanted), None)
    if found is not None:
        return found
    if field == "volunteer":
        raise DomainError(_("Kies een vrijwilliger van deze organisatie."), field)
    raise DomainError(_("Kies een taak van deze organisatie."), field)


@bp.route("/bevoegdheden/<int:clearance_id>")
@permission("clearance.view", CLEARANCE)
def clearance(item: Clearance):
    version = services.current_version(item.protocol)
    vog = services.vog_for(item)
    on = local_today()
    return page(
        "protocols/clearance.html",
        clearance=item,
        version=version,
        verdict=evaluate(item, version, vog, on),
        blockers=grant_blockers(item, version, vog, on),
        vog=vog,
        vog_labels=vog_labels(),
        labels=state_labels(),
        items={(i.kind, i.item_hash): i for i in item.items},
        item_hash=item_hash,
        ItemKind=ItemKind,
        renewal=item.status == ClearanceStatus.GRANTED,
        people=services.names_of({item.instructor_id, item.granted_by_id}),
    ).render()


# --- the steps ---------------------------------------------------------------------------------


@bp.route("/bevoegdheden/<int:clearance_id>/kennis", methods=["GET", "POST"])
@permission("clearance.acknowledge", CLEARANCE)
def acknowledge(item: Clearance):
    version = services.current_version(item.protocol)
    form = AcknowledgeForm()
    form.set_items(version.know)
    if request.method == "GET":
        form.items.data = [i.item_hash for i in item.items if i.kind == ItemKind.KNOW and i.done]

    def action():
        services.acknowledge_knowledge(item, version, form.items.data or [], actor=actor())
        return done(_clearance_url(item), _("Je hebt de kennis bevestigd. Dank je wel."))

    view = page("protocols/acknowledge.html", form=form, clearance=item, version=version)
    return save(form, action, view)


@bp.route("/bevoegdheden/<int:clearance_id>/instructie", methods=["GET", "POST"])
@permission("clearance.instruct", CLEARANCE)
def instruct(item: Clearance):
    version = services.current_version(item.protocol)
    form = instruction_form(version, item)
    if request.method == "GET":
        _prefill_instruction(form, item, version)
    view = page("protocols/instruct.html", form=form, clearance=item, version=version)
    return save(form, lambda: _record_instruction(item, version, form), view)


def _record_instruction(item: Clearance, version: ProtocolVersion, form):
    services.record_instruction(
        item,
        version,
        instructed_on=form.instructed_on.data,
        observations=_observations(form, version),
        confirmed_resources={item_hash(text) for text, field in form.resource_rows if field.data},
        expected_version_id=form.version_id.data,
        actor=actor(),
    )
    return done(_clearance_url(item), _("De instructie en de vaardigheden zijn opgeslagen."))


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
@permission("clearance.instruct", CLEARANCE)
def grant(item: Clearance):
    version = services.current_version(item.protocol)
    on = local_today()
    form = _grant_form(item, version, on)
    return save(form, lambda: _grant(item, version, form, on), _grant_page(form, item, version, on))


def _grant_form(item: Clearance, version: ProtocolVersion, on) -> GrantForm:
    """First shown with the longest validity the protocol allows and the clearance's client."""
    form = GrantForm()
    if request.method == "GET":
        form.valid_until.data = services.latest_valid_until(version, on)
        form.client_reference.data = item.client_reference
        form.version_id.data = item.version_id
    return form


def _grant(item: Clearance, version: ProtocolVersion, form: GrantForm, on):
    services.grant_clearance(
        item,
        version,
        valid_until=filled(form.valid_until.data),
        client_reference=form.client_reference.data or "",
        expected_version_id=form.version_id.data,
        actor=actor(),
        on=on,
    )
    message = _("%(name)s is bevoegd verklaard.", name=item.volunteer.display_name)
    return done(_clearance_url(item), message)


def _grant_page(form: GrantForm, item: Clearance, version: ProtocolVersion, on):
    return page(
        "protocols/grant.html",
        form=form,
        clearance=item,
        version=version,
        blockers=grant_blockers(item, version, services.vog_for(item), on),
        authorised=not version.reserved_act
        or services.may_clear_reserved_acts(actor(), item.organisation_id),
    )


@bp.route("/bevoegdheden/<int:clearance_id>/intrekken", methods=["GET", "POST"])
@permission("clearance.revoke", CLEARANCE)
def revoke(item: Clearance):
    form = RevokeForm()
    if request.method == "GET":
        form.version_id.data = item.version_id

    def action():
        services.revoke_clearance(
            item,
            reason=filled(form.reason.data),
            expected_version_id=form.version_id.data,
            actor=actor(),
        )
        return done(_clearance_url(item), _("De bevoegdverklaring is ingetrokken."))

    return save(form, action, page("protocols/revoke.html", form=form, clearance=item))


# --- into the portfolio --------------------------------------------------------------------


@bp.route("/bevoegdheden/<int:clearance_id>/portfolio", methods=["GET", "POST"])
@permission("clearance.add_to_portfolio", CLEARANCE)
def add_to_portfolio(item: Clearance):
    trajectory = services.open_trajectory(item.volunteer)
    form = PortfolioForm()
    form.competency.choices = chosen = _chosen_competencies(trajectory)
    if request.method == "GET" and any(c == SAFETY for c, _n in chosen):
        form.competency.data = SAFETY
    view = page("protocols/portfolio.html", form=form, clearance=item, trajectory=trajectory)
    return save(form, lambda: _add_to_portfolio(item, form, chosen), view)


def _add_to_portfolio(item: Clearance, form: PortfolioForm, chosen: list[tuple[str, str]]):
    """Only into a competency the volunteer chose; a form posted twice adds it once."""
    if form.competency.data not in {c for c, _n in chosen}:
        message = _("Kies een competentie die je in je traject hebt gekozen.")
        raise DomainError(message, "competency")
    consume_once(form)
    evidence = services.add_to_portfolio(item, competency_id=form.competency.data, actor=actor())
    message = _("De bevoegdverklaring staat nu in je portfolio.")
    return done(url_for("portfolio.item", item_id=evidence.id), message)


def _chosen_competencies(trajectory) -> list[tuple[str, str]]:
    if trajectory is None:
        return []
    framework = current_framework(trajectory.framework_id)
    return framework.choices(sorted(trajectory.progress.chosen), page_language())
