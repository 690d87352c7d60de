"""What to do next, in one plain sentence, for the person looking at a trajectory."""

from __future__ import annotations

from flask_babel import gettext as _

from evc.procedure.phases import Phase


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
    progress = trajectory.progress
    if not progress.chosen:
        return (
            _("Kies de competenties waaraan je wilt werken.")
            if for_volunteer
            else _("Help de vrijwilliger kiezen aan welke competenties hij of zij wil werken.")
        )
    incomplete = progress.incomplete_self_assessments
    if incomplete:
        return (
            _(
                "Beoordeel jezelf op %(name)s: kies hoe goed je het kunt en beschrijf een "
                "voorbeeld.",
                name=incomplete[0],
            )
            if for_volunteer
            else _("De zelfbeoordeling is nog niet af voor %(name)s.", name=incomplete[0])
        )
    if progress.sessions_held < progress.sessions_required:
        return _(
            "Individuele gesprekken gehouden: %(held)d van de %(required)d. Plan het "
            "volgende gesprek.",
            held=progress.sessions_held,
            required=progress.sessions_required,
        )
    without = progress.competencies_without_evidence
    if without:
        return _(
            "Verzamel bewijs voor %(name)s, bijvoorbeeld een verklaring of een foto.",
            name=without[0],
        )
    return _("Alles is klaar. Lever het portfolio in voor de beoordeling.")
