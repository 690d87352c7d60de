"""What to do next, in one plain sentence, for the person looking at a trajectory."""

from __future__ import annotations

from flask_babel import gettext as _

from evc.procedure.phases import Phase
from evc.procedure.progress import Progress


def next_step(trajectory, *, for_volunteer: bool) -> str:
    """One sentence that tells the volunteer (or the supervisor) what happens next."""
    phase = trajectory.phase
    if phase == Phase.INTAKE:
        return _intake_step(trajectory, for_volunteer)
    if phase == Phase.RECOGNITION:
        return _recognition_step(trajectory, for_volunteer)
    return {
        Phase.ASSESSMENT: _(
            "Het portfolio ligt bij de beoordelaar. Jullie horen het als de beoordeling klaar is."
        ),
        Phase.FINAL_INTERVIEW: _("De beoordeling is klaar. De begeleider plant het eindgesprek."),
        Phase.COMPLETED: _("Het traject is afgerond."),
        Phase.WITHDRAWN: _("Het traject is gestopt."),
    }[phase]


def _intake_step(trajectory, for_volunteer: bool) -> str:
    intake = trajectory.intake
    if intake is None:
        if for_volunteer:
            return _(
                "Je begeleider %(name)s plant een begingesprek met je. Daar maken jullie "
                "samen afspraken.",
                name=trajectory.supervisor.display_name,
            )
        return _("Houd het begingesprek en leg de afspraken vast.")
    if for_volunteer:
        return _("Lees de afspraken van je begingesprek en bevestig ze.")
    return _(
        "Wacht tot %(name)s de afspraken van het begingesprek bevestigt.",
        name=trajectory.volunteer.display_name,
    )


def _recognition_step(trajectory, for_volunteer: bool) -> str:
    """The first thing still missing before the portfolio can be handed in."""
    progress = trajectory.progress
    if not progress.chosen:
        return _choosing_step(for_volunteer)
    incomplete = progress.incomplete_self_assessments
    if incomplete:
        return _self_assessment_step(incomplete[0], for_volunteer)
    if progress.sessions_held < progress.sessions_required:
        return _sessions_step(progress)
    without = progress.competencies_without_evidence
    if without:
        return _(
            "Verzamel bewijs voor %(name)s, bijvoorbeeld een verklaring of een foto.",
            name=without[0],
        )
    return _("Alles is klaar. Lever het portfolio in voor de beoordeling.")


def _choosing_step(for_volunteer: bool) -> str:
    if for_volunteer:
        return _("Kies de competenties waaraan je wilt werken.")
    return _("Help de vrijwilliger kiezen aan welke competenties hij of zij wil werken.")


def _self_assessment_step(competency: str, for_volunteer: bool) -> str:
    if for_volunteer:
        return _(
            "Beoordeel jezelf op %(name)s: kies hoe goed je het kunt en beschrijf een voorbeeld.",
            name=competency,
        )
    return _("De zelfbeoordeling is nog niet af voor %(name)s.", name=competency)


def _sessions_step(progress: Progress) -> str:
    return _(
        "Individuele gesprekken gehouden: %(held)d van de %(required)d. Plan het volgende gesprek.",
        held=progress.sessions_held,
        required=progress.sessions_required,
    )
