"""Forms of the EVC-A procedure. Choices that depend on data are filled in by the view."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from evc.formfields import DATE_INVALID, FriendlyDateField, SelectChoice
from evc.once import OnceMixin
from evc.procedure.models import GoalKind


def not_in_future(_form, field):
    if field.data and field.data > date.today():
        raise ValidationError(_l("Deze datum mag niet in de toekomst liggen."))


class StartTrajectoryForm(FlaskForm):
    # validate_choice off: the view explains a refused choice (e.g. started meanwhile) itself.
    volunteer = SelectField(
        _l("Vrijwilliger"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Kies een vrijwilliger."))],
    )
    supervisor = SelectField(
        _l("Begeleider"),
        coerce=int,
        validate_choice=False,
        description=_l(
            "De begeleider voert de gesprekken en helpt de "
            "vrijwilliger. De begeleider beoordeelt niet."
        ),
        validators=[InputRequired(_l("Kies een begeleider."))],
    )


class IntakeForm(FlaskForm):
    held_on = FriendlyDateField(
        _l("Datum van het gesprek"), validators=[InputRequired(DATE_INVALID), not_in_future]
    )
    goal_kind = RadioField(
        _l("Wat wil de vrijwilliger bereiken met EVC-A?"),
        choices=[
            SelectChoice(GoalKind.SELF_INSIGHT.value, _l("Inzicht in wat ik kan")),
            SelectChoice(GoalKind.JOB.value, _l("Een (betaalde) baan vinden")),
            SelectChoice(GoalKind.COURSE.value, _l("Een opleiding of cursus volgen")),
            SelectChoice(GoalKind.OTHER.value, _l("Iets anders")),
        ],
        validators=[InputRequired(_l("Kies wat de vrijwilliger wil bereiken."))],
    )
    goal = TextAreaField(
        _l("Het doel in eigen woorden"),
        description=_l(
            "Bijvoorbeeld: ik wil laten zien wat ik kan, zodat ik kan solliciteren als gastvrouw."
        ),
        validators=[InputRequired(_l("Beschrijf het doel.")), Length(max=2000)],
    )
    work_organisation = StringField(
        _l("Vrijwilligerswerk: bij welke organisatie"),
        validators=[InputRequired(_l("Vul de organisatie in.")), Length(max=200)],
    )
    work_tasks = TextAreaField(
        _l("Vrijwilligerswerk: welke taken"),
        validators=[InputRequired(_l("Beschrijf de taken.")), Length(max=4000)],
    )
    work_since = FriendlyDateField(
        _l("Vrijwilligerswerk: sinds wanneer (mag leeg blijven)"),
        validators=[Optional(), not_in_future],
    )
    meeting_plan = TextAreaField(
        _l("Afspraken over de gesprekken"),
        description=_l("Wanneer en hoe vaak jullie elkaar spreken."),
        validators=[InputRequired(_l("Beschrijf de afspraken.")), Length(max=4000)],
    )
    target_submission_date = FriendlyDateField(
        _l("Streefdatum om het portfolio in te leveren"),
        validators=[InputRequired(DATE_INVALID)],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class GuidanceSessionForm(OnceMixin, FlaskForm):
    held_on = FriendlyDateField(
        _l("Datum van het gesprek"), validators=[InputRequired(DATE_INVALID), not_in_future]
    )
    topics = TextAreaField(
        _l("Onderwerpen"),
        validators=[InputRequired(_l("Schrijf op waarover jullie spraken.")), Length(max=4000)],
    )
    shared_notes = TextAreaField(
        _l("Aantekeningen voor de vrijwilliger"),
        description=_l("De vrijwilliger kan deze aantekeningen lezen."),
        validators=[Optional(), Length(max=8000)],
    )
    private_notes = TextAreaField(
        _l("Eigen aantekeningen (alleen voor jou)"),
        description=_l(
            "Alleen jij ziet deze aantekeningen. Ook de vrijwilliger en de beoordelaar niet."
        ),
        validators=[Optional(), Length(max=8000)],
    )


class GroupMeetingForm(OnceMixin, FlaskForm):
    held_on = FriendlyDateField(
        _l("Datum van de bijeenkomst"), validators=[InputRequired(DATE_INVALID), not_in_future]
    )
    topic = StringField(
        _l("Onderwerp"), validators=[InputRequired(_l("Vul het onderwerp in.")), Length(max=200)]
    )
    present = SelectMultipleField(
        _l("Wie was er?"),
        id="attendance",
        validate_choice=False,  # the service refuses volunteers outside the list, with a message
        coerce=int,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )


class ChooseCompetenciesForm(FlaskForm):
    competencies = SelectMultipleField(
        _l("Aan welke competenties wil je werken?"),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validators=[InputRequired(_l("Kies minstens één competentie."))],
    )


class SelfAssessmentForm(FlaskForm):
    rating = RadioField(_l("Hoe goed kun je dit?"), coerce=int, validators=[Optional()])
    situation = TextAreaField(
        _l("Situatie"),
        description=_l("Waar en wanneer was het? Wie waren erbij?"),
        validators=[Length(max=4000)],
    )
    task = TextAreaField(
        _l("Taak"),
        description=_l("Wat moest je doen? Wat was jouw rol?"),
        validators=[Length(max=4000)],
    )
    action = TextAreaField(
        _l("Actie"),
        description=_l("Wat deed je precies? Hoe pakte je het aan?"),
        validators=[Length(max=4000)],
    )
    result = TextAreaField(
        _l("Resultaat"),
        description=_l("Wat was het gevolg? Hoe reageerden anderen?"),
        validators=[Length(max=4000)],
    )
    reflection = TextAreaField(
        _l("Reflectie"),
        description=_l("Wat heb je ervan geleerd? Wat zou je een volgende keer anders doen?"),
        validators=[Length(max=4000)],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom stopt het traject?"),
        validators=[InputRequired(_l("Geef een reden op.")), Length(max=2000)],
    )
