"""The klantmanager of a municipality: the participation reports of its clients."""

from __future__ import annotations

from flask import request

from evc.paging import requested_page
from evc.participation import services
from evc.participation.models import Regime
from evc.participation.report import regime_label
from evc.participation.views.blueprint import bp
from evc.urls import number_arg
from evc.web import actor, page, permission


@bp.route("/gemeente/rapporten")
@permission("participation.case_manager")
def case_manager_reports():
    """The participation reports of the municipality's clients, newest first."""
    reference = (request.args.get("klantnummer") or "").strip()[:40]
    organisation_id = request.args.get("organisatie", type=number_arg)
    rows, organisations = services.case_manager_reports(
        actor(), reference=reference, organisation_id=organisation_id, page=requested_page()
    )
    return page(
        "participation/case_manager_reports.html",
        rows=rows,
        organisations=organisations,
        municipalities=services.case_manager_municipalities(actor()),
        reference=reference,
        organisation_id=organisation_id,
        regimes={r.value: regime_label(r.value) for r in Regime},
    ).render()
