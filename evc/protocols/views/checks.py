"""The checks of an organisation: the overview (volunteers × tasks), the question "may this
volunteer do this task on this date?", the VOG of each volunteer, and which instructors may
clear reserved acts."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation, Role, User
from evc.formfields import EmptyForm
from evc.protocols import services
from evc.protocols.forms import CheckForm, VogForm
from evc.protocols.models import VogStatus, VolunteerVog
from evc.protocols.status import local_today, vog_due_on
from evc.protocols.views.blueprint import bp
from evc.protocols.views.labels import state_labels, task_choices, vog_labels, volunteer_choices
from evc.web import actor, done, get_or_404, page, permission, press, save, stored_version

# --- overview and check --------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/bevoegdheden")
@permission("clearance.overview", ORGANISATION)
def overview(organisation: Organisation):
    """Volunteers × tasks, and the clearances that expire soon."""
    on = local_today()
    return page(
        "protocols/overview.html",
        organisation=organisation,
        grid=services.matrix(organisation.id, on),
        expiring=services.expiring_clearances(organisation.id, on),
        labels=state_labels(),
        on=on,
    ).render()


@bp.route("/organisaties/<int:organisation_id>/bevoegdheden/controle")
@permission("clearance.overview", ORGANISATION)
def check(organisation: Organisation):
    """The question as a page: may this volunteer do this task on this date?"""
    form = CheckForm(request.args)
    volunteers = services.members_with_role(organisation.id, Role.VOLUNTEER)
    protocols = services.protocols_with_versions(organisation.id)
    form.vrijwilliger.choices = volunteer_choices(volunteers)
    form.taak.choices = task_choices(protocols)
    view = page("protocols/check.html", organisation=organisation, form=form, labels=state_labels())
    if not request.args:
        form.datum.data = local_today()
        return view.render(verdict=None, asked=None)
    answer = _answer(organisation, form, volunteers, protocols)
    if answer is None:
        return view.render(422, verdict=None, asked=None)
    return view.render(verdict=answer[0], asked=answer[1])


def _answer(organisation: Organisation, form: CheckForm, volunteers, protocols):
    """The verdict and what was asked, or None (with the errors in the form)."""
    if not form.datum.data and not form.datum.errors and not form.datum.raw_data:
        form.datum.data = local_today()
    if not form.validate():
        return None
    volunteer = next((u for u in volunteers if u.id == form.vrijwilliger.data), None)
    protocol = next((p for p, _v in protocols if p.id == form.taak.data), None)
    if volunteer is None:
        form.vrijwilliger.errors = [_("Kies een vrijwilliger van deze organisatie.")]
    if protocol is None:
        form.taak.errors = [_("Kies een taak van deze organisatie.")]
    if volunteer is None or protocol is None:
        return None
    verdict = services.check(
        organisation.id, volunteer, protocol, on=form.datum.data, client=form.client.data or ""
    )
    return verdict, (volunteer, dict(protocols)[protocol], form.datum.data)


# --- VOG -----------------------------------------------------------------------------------


def _vogs_url(organisation: Organisation) -> str:
    return url_for("protocols.vogs", organisation_id=organisation.id)


@bp.route("/organisaties/<int:organisation_id>/vog")
@permission("vog.manage", ORGANISATION)
def vogs(organisation: Organisation):
    volunteers = services.members_with_role(organisation.id, Role.VOLUNTEER)
    records = services.organisation_vogs(organisation.id)
    return page(
        "protocols/vogs.html",
        organisation=organisation,
        rows=[(u, records.get(u.id)) for u in volunteers],
        vog_labels=vog_labels(),
        vog_due_on=vog_due_on,
        on=local_today(),
    ).render()


@bp.route("/organisaties/<int:organisation_id>/vog/<int:user_id>", methods=["GET", "POST"])
@permission("vog.manage", ORGANISATION)
def vog(organisation: Organisation, user_id: int):
    volunteer = get_or_404(User, user_id, where=_has_role(organisation, Role.VOLUNTEER))
    form = VogForm()
    if request.method == "GET":
        _prefill_vog(form, services.vog_record(organisation.id, volunteer.id))
    view = page("protocols/vog.html", form=form, organisation=organisation, volunteer=volunteer)
    where = {"organisation_id": organisation.id, "volunteer_id": volunteer.id}
    conflict = lambda: stored_version(form, VolunteerVog, **where)  # noqa: E731
    return save(form, lambda: _set_vog(organisation, volunteer, form), view, conflict=conflict)


def _set_vog(organisation: Organisation, volunteer: User, form: VogForm):
    services.set_vog(
        organisation,
        volunteer,
        status=VogStatus(form.status.data),
        requested_on=form.requested_on.data,
        issued_on=form.issued_on.data,
        expected_version_id=form.version_id.data,
        actor=actor(),
    )
    message = _("De VOG van %(name)s is bijgewerkt.", name=volunteer.display_name)
    return done(_vogs_url(organisation), message)


def _has_role(organisation: Organisation, role: Role):
    return lambda user: role in user.roles_in(organisation.id)


def _prefill_vog(form: VogForm, record) -> None:
    form.status.data = (record.status if record else VogStatus.NOT_REQUESTED).value
    if record:
        form.requested_on.data, form.issued_on.data = record.requested_on, record.issued_on
        form.version_id.data = record.version_id


# --- instructors ---------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/instructeurs")
@permission("instructor.authorise", ORGANISATION)
def instructors(organisation: Organisation):
    return page(
        "protocols/instructors.html",
        organisation=organisation,
        instructors=services.members_with_role(organisation.id, Role.INSTRUCTOR),
        authorised=services.reserved_act_instructors(organisation.id),
        form=EmptyForm(),
    ).render()


@bp.route(
    "/organisaties/<int:organisation_id>/instructeurs/<int:user_id>/voorbehouden",
    methods=["POST"],
)
@permission("instructor.authorise", ORGANISATION)
def authorise(organisation: Organisation, user_id: int):
    instructor = get_or_404(User, user_id, where=_has_role(organisation, Role.INSTRUCTOR))
    wanted = request.form.get("bevoegd") == "ja"
    back = url_for("protocols.instructors", organisation_id=organisation.id)

    def action():
        services.set_reserved_act_authorisation(organisation, instructor, wanted, actor=actor())
        return done(back, _authorised_message(instructor, wanted))

    return press(action, back)


def _authorised_message(instructor: User, wanted: bool) -> str:
    if wanted:
        return _(
            "%(name)s mag nu voorbehouden handelingen bevoegd verklaren.",
            name=instructor.display_name,
        )
    return _(
        "%(name)s mag geen voorbehouden handelingen meer bevoegd verklaren.",
        name=instructor.display_name,
    )
