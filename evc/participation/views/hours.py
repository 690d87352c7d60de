"""Hours: the client writes and corrects them, the host contact approves or declines them (one
entry or a whole week), and the client adds the verified hours to their EVC-A portfolio."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import date

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.errors import DomainError
from evc.formfields import EmptyForm, filled
from evc.framework import current_framework, page_language
from evc.once import consume_once
from evc.participation import services
from evc.participation.forms import DeclineForm, HoursForm, NewHoursForm, PortfolioForm
from evc.participation.loaders import AGREEMENT, ENTRY, agreement_url
from evc.participation.models import HoursEntry, ParticipationAgreement
from evc.participation.totals import week_start
from evc.participation.views.blueprint import bp
from evc.web import actor, done, page, permission, press, save, stored_version


def _queue_url() -> str:
    return url_for("participation.verify_queue")


# --- the client -------------------------------------------------------------------------------


@bp.route("/participatie/afspraken/<int:agreement_id>/uren", methods=["GET", "POST"])
@permission("hours.log", AGREEMENT)
def log_hours(item: ParticipationAgreement):
    form = NewHoursForm()
    if not form.is_submitted():
        form.worked_on.data = date.today() if item.covers(date.today()) else None
        form.activity.data = item.activity
    view = page("participation/hours.html", agreement=item, form=form)
    return save(form, lambda: _log_new_hours(item, form), view)


def _log_new_hours(item: ParticipationAgreement, form: NewHoursForm):
    consume_once(form)
    services.log_hours(item, form.entry(), actor=actor())
    message = _("Je uren zijn opgeslagen. Ze wachten nu op goedkeuring.")
    return done(agreement_url(item), message)


@bp.route("/participatie/uren/<int:entry_id>", methods=["GET", "POST"])
@permission(
    "hours.edit_open",
    ENTRY,
    refusal=_l("Deze uren zijn al goedgekeurd. Je kunt ze niet meer veranderen."),
)
def edit_entry(entry: HoursEntry):
    form = HoursForm(data=None if request.method == "POST" else _shown_entry(entry))
    view = page("participation/hours.html", agreement=entry.agreement, form=form, entry=entry)
    stored = lambda: stored_version(form, HoursEntry, id=entry.id)  # noqa: E731
    return save(form, lambda: _correct_hours(entry, form), view, conflict=stored)


def _shown_entry(entry: HoursEntry) -> dict:
    """The stored hours as the form shows them, at the version that was read."""
    return {
        "worked_on": entry.worked_on,
        "hours": entry.minutes,
        "activity": entry.activity,
        "note": entry.note,
        "version_id": entry.version_id,
    }


def _correct_hours(entry: HoursEntry, form: HoursForm):
    version = form.version_id.data
    services.update_entry(entry, form.entry(), version_id=version, actor=actor())
    message = _("Je uren zijn aangepast. Ze wachten nu op goedkeuring.")
    return done(agreement_url(entry.agreement), message)


# --- the host contact -------------------------------------------------------------------------


@bp.route("/participatie/te-controleren")
@permission("participation.verify_queue")
def verify_queue():
    """Pending hours of the host contact's clients, by person and week (oldest first)."""
    entries = services.pending_for_host(actor())
    view = page("participation/verify_queue.html", groups=_by_week(entries), form=EmptyForm())
    return view.render(count=len(entries))


def _by_week(entries: Sequence[HoursEntry]) -> OrderedDict:
    """The entries per agreement and week, in the order given."""
    groups: OrderedDict = OrderedDict()
    for entry in entries:
        groups.setdefault((entry.agreement_id, week_start(entry.worked_on)), []).append(entry)
    return groups


@bp.route("/participatie/uren/<int:entry_id>/goedkeuren", methods=["POST"])
@permission("hours.verify", ENTRY)
def approve(entry: HoursEntry):
    def action():
        services.approve_entry(entry, actor=actor())
        return done(_queue_url(), _("De uren zijn goedgekeurd."))

    return press(action, _queue_url())


@bp.route("/participatie/uren/<int:entry_id>/afwijzen", methods=["GET", "POST"])
@permission("hours.verify", ENTRY)
def decline(entry: HoursEntry):
    form = DeclineForm()

    def action():
        services.decline_entry(entry, filled(form.reason.data), actor=actor())
        return done(_queue_url(), _("De uren zijn afgewezen. De deelnemer krijgt een e-mail."))

    return save(form, action, page("participation/decline.html", entry=entry, form=form))


@bp.route("/participatie/afspraken/<int:agreement_id>/weken/<monday>/goedkeuren", methods=["POST"])
@permission("hours.verify_week", AGREEMENT)
def approve_week(item: ParticipationAgreement, monday: str):
    first = _monday(monday)

    def action():
        count = services.approve_week(item, first, actor=actor())
        return done(_queue_url(), _("%(num)d keer uren goedgekeurd.", num=count))

    return press(action, _queue_url())


def _monday(text: str) -> date:
    """The Monday a URL names; anything else is a page that does not exist."""
    try:
        first = date.fromisoformat(text)
    except ValueError:
        abort(404)
    if first.weekday() != 0:
        abort(404)
    return first


# --- with EVC-A -------------------------------------------------------------------------------


@bp.route("/participatie/afspraken/<int:agreement_id>/portfolio", methods=["GET", "POST"])
@permission("participation.to_portfolio", AGREEMENT)
def to_portfolio(item: ParticipationAgreement):
    """Add the verified hours to the client's own EVC-A portfolio as evidence. The trajectories
    offered are the client's own with an open portfolio (what ``portfolio.add`` allows)."""
    trajectories = services.portfolio_trajectories(actor())
    form = _portfolio_form(trajectories)
    view = page(
        "participation/to_portfolio.html", form=form, agreement=item, trajectories=trajectories
    )
    return save(form, lambda: _add_to_portfolio(item, form, trajectories), view)


def _add_to_portfolio(item: ParticipationAgreement, form: PortfolioForm, trajectories):
    trajectory = _chosen(trajectories, form.trajectory_id.data)
    chosen = form.competencies.data
    evidence = services.add_hours_to_portfolio(item, trajectory, chosen, actor=actor())
    message = _("De goedgekeurde uren staan nu in je portfolio.")
    return done(url_for("portfolio.item", item_id=evidence.id), message)


def _portfolio_form(trajectories) -> PortfolioForm:
    form = PortfolioForm()
    form.trajectory_id.choices = [(t.id, t.organisation.name) for t in trajectories]
    chosen = services.chosen_competencies(trajectories)
    form.competencies.choices = _competency_choices(trajectories, chosen)
    return form


def _chosen(trajectories, trajectory_id):
    trajectory = next((t for t in trajectories if t.id == trajectory_id), None)
    if trajectory is None:
        raise DomainError(_("Kies je traject."), field="trajectory_id")
    return trajectory


def _competency_choices(trajectories, chosen: dict[int, list[str]]) -> list[tuple[str, str]]:
    """Each competency chosen in any of the trajectories, once."""
    language = page_language()
    choices: dict[str, str] = {}
    for trajectory in trajectories:
        framework = current_framework(trajectory.framework_id)
        choices.update(framework.choices(chosen[trajectory.id], language))
    return list(choices.items())
