"""The site administrator's list of organisations, and a new organisation with its first
coordinator invited."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from evc.accounts import services
from evc.accounts.forms import OrganisationForm, organisation_kind_choices
from evc.accounts.models import Organisation, OrganisationKind, Role
from evc.admin.views.blueprint import bp
from evc.extensions import db
from evc.formfields import filled
from evc.web import actor, done, page, permission, save


@bp.route("/beheer/organisaties", methods=["GET", "POST"])
@permission("admin.manage_organisations")
def organisations():
    form = OrganisationForm()

    def action():
        organisation = _create_organisation(form)
        message = _(
            "De organisatie %(name)s is aangemaakt en de coördinator is uitgenodigd.",
            name=organisation.name,
        )
        return done(url_for("admin.organisations"), message)

    rows = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    kind_labels = {choice.value: str(choice.label) for choice in organisation_kind_choices()}
    view = page("admin/organisations.html", form=form, organisations=rows, kind_labels=kind_labels)
    return save(form, action, view)


def _create_organisation(form: OrganisationForm) -> Organisation:
    """The new organisation, with its first coordinator invited."""
    organisation = services.create_organisation(
        filled(form.name.data), OrganisationKind(form.kind.data), actor=actor()
    )
    services.invite_member(
        organisation,
        email=filled(form.coordinator_email.data),
        display_name=filled(form.coordinator_name.data),
        role=Role.COORDINATOR,
        language="nl",
        actor=actor(),
    )
    return organisation
