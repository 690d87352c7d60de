"""Submitting the portfolio for assessment, and withdrawing (stopping) a trajectory."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.formfields import EmptyForm, filled
from evc.procedure import services
from evc.procedure.forms import WithdrawForm
from evc.procedure.loaders import TRAJECTORY, trajectory_url
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase, unmet_guards
from evc.procedure.progress import load_progress
from evc.procedure.views.blueprint import bp
from evc.web import actor, done, page, permission, press, save


@bp.route("/trajecten/<int:trajectory_id>/indienen", methods=["GET", "POST"])
@permission(
    "trajectory.submit",
    TRAJECTORY,
    refusal=_l("Het portfolio kan alleen in de fase herkennen worden ingediend."),
)
def submit(trajectory: Trajectory):
    form = EmptyForm()
    if not form.is_submitted():
        return _submit_page(trajectory, form).render()
    back = url_for("procedure.submit", trajectory_id=trajectory.id)
    return press(lambda: _submit(trajectory), back, form)


def _submit(trajectory: Trajectory):
    services.submit_for_assessment(trajectory, actor=actor())
    message = _("Het portfolio is ingediend voor de beoordeling.")
    return done(trajectory_url(trajectory), message)


def _submit_page(trajectory: Trajectory, form: EmptyForm):
    """What is still missing before the portfolio can go to the assessor."""
    load_progress([trajectory])
    return page(
        "procedure/submit.html",
        trajectory=trajectory,
        problems=unmet_guards(trajectory, Phase.ASSESSMENT),
        progress=trajectory.progress,
        form=form,
    )


@bp.route("/trajecten/<int:trajectory_id>/stoppen", methods=["GET", "POST"])
@permission(
    "trajectory.withdraw",
    TRAJECTORY,
    refusal=_l("Alleen de begeleider of de coördinator kan een lopend traject stoppen."),
)
def withdraw(trajectory: Trajectory):
    form = WithdrawForm()

    def action():
        services.withdraw(trajectory, filled(form.reason.data), actor=actor())
        return done(trajectory_url(trajectory), _("Het traject is gestopt."))

    return save(form, action, page("procedure/withdraw.html", form=form, trajectory=trajectory))
