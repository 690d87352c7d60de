"""Forms of the independent assessment and of the organisation's procedure settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from evc.assessment.models import CRITERIA, Verdict
from evc.formfields import SelectChoice
from evc.procedure.models import DEFAULTS

CRITERION_LABELS = {
    "variation": _l("Variatie"),
    "relevance": _l("Relevantie"),
    "authenticity": _l("Authenticiteit"),
    "currency": _l("Actualiteit"),
    "quantity": _l("Kwantiteit"),
}

CRITERION_QUESTIONS = {
    "variation": _l("Komt het bewijs uit verschillende situaties?"),
    "relevance": _l("Zegt het bewijs iets over deze competentie?"),
    "authenticity": _l("Is het echt het werk van de vrijwilliger zelf?"),
    "currency": _l("Is het bewijs recent genoeg (niet ouder dan vijf jaar)?"),
    "quantity": _l("Is er genoeg bewijs (minstens twee stukken)?"),
}

VERDICT_LABELS = {
    Verdict.DEMONSTRATED: _l("Aangetoond"),
    Verdict.NOT_YET: _l("Nog niet aangetoond"),
}


def verdict_field(label=None):
    return RadioField(
        label or _l("Oordeel"),
        choices=[SelectChoice(v.value, VERDICT_LABELS[v]) for v in Verdict],
        validators=[InputRequired(_l("Kies aangetoond of nog niet aangetoond."))],
    )


class AssignForm(FlaskForm):
    assessor = SelectField(
        _l("Beoordelaar"),
        coerce=int,
        validate_choice=False,  # the service explains a refused choice itself
        validators=[InputRequired(_l("Kies een beoordelaar."))],
    )
    justification = TextAreaField(
        _l("Waarom een beoordelaar uit de eigen organisatie? (alleen dan invullen)"),
        description=_l(
            "Normaal komt de beoordelaar van buiten de organisatie. Komt die toch van binnen, "
            "leg dan uit waarom. Dit komt in het rapport."
        ),
        validators=[Optional(), Length(max=2000)],
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reden"), validators=[InputRequired(_l("Geef een reden op.")), Length(max=2000)]
    )


class DeclarationForm(FlaskForm):
    knows = RadioField(
        _l("Ken je deze vrijwilliger persoonlijk?"),
        choices=[
            SelectChoice("no", _l("Nee, ik ken deze vrijwilliger niet persoonlijk")),
            SelectChoice("yes", _l("Ja, ik ken deze vrijwilliger (of twijfel)")),
        ],
        validators=[InputRequired(_l("Kies ja of nee."))],
    )
    reason = TextAreaField(
        _l("Toelichting (mag leeg blijven)"),
        description=_l("Alleen de coördinator leest dit."),
        validators=[Optional(), Length(max=2000)],
    )


class CompletenessForm(FlaskForm):
    decision = RadioField(
        _l("Is het portfolio compleet genoeg om te beoordelen?"),
        choices=[
            SelectChoice("complete", _l("Ja, ik ga verder met beoordelen")),
            SelectChoice("incomplete", _l("Nee, ik stuur het terug met wat er ontbreekt")),
        ],
        validators=[InputRequired(_l("Kies ja of nee."))],
    )
    general_note = TextAreaField(
        _l("Algemene toelichting (mag leeg blijven)"), validators=[Optional(), Length(max=4000)]
    )


class JudgementForm(FlaskForm):
    verdict = verdict_field()
    motivation = TextAreaField(
        _l("Motivatie"),
        description=_l("Waarom kom je tot dit oordeel? De vrijwilliger leest dit."),
        validators=[InputRequired(_l("Schrijf een motivatie.")), Length(max=8000)],
    )
    advice = TextAreaField(
        _l("Ontwikkeladvies (mag leeg blijven)"),
        description=_l("Wat kan de vrijwilliger hierna doen? Dit komt in het ontwikkelplan."),
        validators=[Optional(), Length(max=4000)],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])

    def show(self, saved) -> None:
        """Fill the form with the stored judgement (for a GET), or leave it empty."""
        self.version_id.data = saved.version_id if saved else None
        if saved is None:
            return
        for criterion in CRITERIA:
            given = saved.criteria.get(criterion, {})
            self[criterion].data = "yes" if given.get("sufficient") else "no"
            self[f"{criterion}_note"].data = given.get("note", "")
        self.verdict.data = saved.verdict.value

    def judgement(self) -> dict:
        """What the service stores: verdict, motivation, advice and the VRAAK criteria."""
        return {
            "verdict": self.verdict.data,
            "motivation": self.motivation.data,
            "advice": self.advice.data,
            "criteria": {
                c: {"sufficient": self[c].data == "yes", "note": self[f"{c}_note"].data}
                for c in CRITERIA
            },
        }


def add_criteria_fields(form_class):
    """One sufficient/insufficient choice and a note per VRAAK criterion."""
    for criterion in CRITERIA:
        setattr(form_class, criterion, _sufficient_field(criterion))
        setattr(form_class, f"{criterion}_note", _note_field(criterion))
    return form_class


def _sufficient_field(criterion: str) -> RadioField:
    return RadioField(
        CRITERION_LABELS[criterion],
        description=CRITERION_QUESTIONS[criterion],
        choices=[SelectChoice("yes", _l("Voldoende")), SelectChoice("no", _l("Onvoldoende"))],
        validators=[InputRequired(_l("Kies voldoende of onvoldoende."))],
    )


def _note_field(criterion: str) -> StringField:
    label = _l(
        "Opmerking bij %(criterion)s (mag leeg blijven)", criterion=CRITERION_LABELS[criterion]
    )
    return StringField(label, validators=[Optional(), Length(max=2000)])


add_criteria_fields(JudgementForm)


class ResolutionForm(FlaskForm):
    verdict = verdict_field(_l("Gezamenlijk oordeel"))
    reason = TextAreaField(
        _l("Waarom dit oordeel?"),
        validators=[InputRequired(_l("Schrijf op waarom.")), Length(max=4000)],
    )


class ReportForm(FlaskForm):
    summary = TextAreaField(
        _l("Samenvatting"),
        description=_l(
            "Wat valt op in het portfolio? Wat gaat goed en wat kan beter? Schrijf in gewone "
            "woorden: de vrijwilliger leest dit."
        ),
        validators=[Optional(), Length(max=8000)],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class CorrectionForm(FlaskForm):
    verdict = verdict_field(_l("Nieuw oordeel"))
    motivation = TextAreaField(
        _l("Motivatie"),
        validators=[InputRequired(_l("Schrijf een motivatie.")), Length(max=8000)],
    )
    advice = TextAreaField(
        _l("Ontwikkeladvies (mag leeg blijven)"), validators=[Optional(), Length(max=4000)]
    )
    reason = TextAreaField(
        _l("Waarom corrigeer je het oordeel?"),
        description=_l("Dit blijft zichtbaar in de geschiedenis van het rapport."),
        validators=[InputRequired(_l("Geef een reden op.")), Length(max=2000)],
    )

    def correction(self) -> dict:
        return {
            "verdict": self.verdict.data,
            "motivation": self.motivation.data,
            "advice": self.advice.data,
            "reason": self.reason.data,
        }


class SettingsForm(FlaskForm):
    min_guidance_sessions = IntegerField(
        _l("Minimaal aantal individuele gesprekken voor het inleveren"),
        validators=[
            InputRequired(_l("Vul een aantal in.")),
            NumberRange(0, 20, _l("Kies een aantal van 0 tot 20.")),
        ],
    )
    recommended_group_meetings = IntegerField(
        _l("Aangeraden aantal groepsbijeenkomsten"),
        validators=[
            InputRequired(_l("Vul een aantal in.")),
            NumberRange(0, 20, _l("Kies een aantal van 0 tot 20.")),
        ],
    )
    stalled_after_days = IntegerField(
        _l("Na hoeveel dagen zonder activiteit krijgt de begeleider een herinnering?"),
        validators=[
            InputRequired(_l("Vul een aantal dagen in.")),
            NumberRange(7, 365, _l("Kies een aantal dagen van 7 tot 365.")),
        ],
    )
    allow_internal_assessor = BooleanField(
        _l("Beoordelaars uit de eigen organisatie toestaan (met een uitleg per keer)")
    )
    blind_assessment = BooleanField(
        _l("Blind beoordelen: de beoordelaar ziet een schuilnaam tot het rapport definitief is")
    )
    two_assessors = BooleanField(_l("Twee beoordelaars per portfolio, die los van elkaar oordelen"))
    share_reports_with_case_managers = BooleanField(
        _l("Klantmanagers van de gemeente zien de participatierapporten van hun klanten"),
        description=_l(
            "Alleen de rapporten: klantnummer, maanden en goedgekeurde uren. "
            "Geen namen, geen notities, geen redenen van ontheffingen."
        ),
    )

    def values(self) -> dict:
        """Every setting, by name (the names of the defaults)."""
        return {name: self[name].data for name in DEFAULTS}
