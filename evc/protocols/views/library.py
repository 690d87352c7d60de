"""The protocol library of an organisation: the list, taking over the seed protocols, a new
protocol, one protocol with its versions, and publishing a new version."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation
from evc.formfields import EmptyForm
from evc.protocols import services
from evc.protocols.forms import ProtocolForm
from evc.protocols.loaders import PROTOCOL
from evc.protocols.models import TaskProtocol
from evc.protocols.views.blueprint import bp
from evc.web import actor, done, page, permission, press, save, stored_version


def _protocol_url(protocol: TaskProtocol) -> str:
    return url_for("protocols.protocol", protocol_id=protocol.id)


@bp.route("/organisaties/<int:organisation_id>/protocollen")
@permission("protocol.view", ORGANISATION)
def protocols(organisation: Organisation):
    return page(
        "protocols/protocols.html",
        organisation=organisation,
        protocols=services.protocols_with_versions(organisation.id),
        import_form=EmptyForm(),
        missing_from_library=services.library_keys_missing(organisation.id),
    ).render()


@bp.route("/organisaties/<int:organisation_id>/protocollen/voorbeelden", methods=["POST"])
@permission("protocol.manage", ORGANISATION)
def import_library(organisation: Organisation):
    def action():
        added = services.import_library(organisation, actor=actor())
        message = (
            _("%(count)d voorbeeldprotocollen overgenomen.", count=len(added))
            if added
            else _("Alle voorbeeldprotocollen staan er al.")
        )
        return done(url_for("protocols.protocols", organisation_id=organisation.id), message)

    return press(action, url_for("protocols.protocols", organisation_id=organisation.id))


@bp.route("/organisaties/<int:organisation_id>/protocollen/nieuw", methods=["GET", "POST"])
@permission("protocol.manage", ORGANISATION)
def new_protocol(organisation: Organisation):
    form = ProtocolForm()

    def action():
        spec = services.spec_from_form(form.as_data(1))
        protocol = services.add_protocol(organisation, spec, actor=actor())
        message = _("Het protocol %(title)s is gepubliceerd.", title=spec.title)
        return done(_protocol_url(protocol), message)

    view = page("protocols/protocol_form.html", form=form, organisation=organisation, protocol=None)
    return save(form, action, view)


@bp.route("/protocollen/<int:protocol_id>")
@permission("protocol.view", PROTOCOL)
def protocol(item: TaskProtocol):
    versions = services.versions_of(item)
    wanted = request.args.get("versie", type=int) or item.latest_number
    shown = next((v for v in versions if v.number == wanted), None)
    if shown is None:
        abort(404)
    return page("protocols/protocol.html", protocol=item, version=shown, versions=versions).render()


@bp.route("/protocollen/<int:protocol_id>/nieuwe-versie", methods=["GET", "POST"])
@permission("protocol.manage", PROTOCOL)
def new_version(item: TaskProtocol):
    form = ProtocolForm()
    if request.method == "GET":
        form.fill_from(item.key, services.current_version(item))
        form.version_id.data = item.version_id
    view = page(
        "protocols/protocol_form.html", form=form, organisation=item.organisation, protocol=item
    )
    conflict = lambda: _stored_protocol(form, item)  # noqa: E731
    return save(form, lambda: _publish(item, form), view, conflict=conflict)


def _publish(item: TaskProtocol, form: ProtocolForm):
    spec = services.spec_from_form(form.as_data(item.latest_number + 1))
    expected = form.version_id.data
    version = services.publish_version(item, spec, expected_version_id=expected, actor=actor())
    message = _("Versie %(number)d is gepubliceerd.", number=version.number)
    return done(_protocol_url(item), message)


def _stored_protocol(form: ProtocolForm, item: TaskProtocol):
    """After a stale save: the version published in the meantime, read fresh."""
    stored_version(form, TaskProtocol, id=item.id)
    return services.current_version(item)
