"""Forms of the final interview, the development plan, revocation and the public check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional

from evc.formfields import DATE_INVALID, FriendlyDateField
from evc.procedure.forms import not_in_future


class FinalInterviewForm(FlaskForm):
    held_on = FriendlyDateField(
        _l("Datum van het eindgesprek"), validators=[InputRequired(DATE_INVALID), not_in_future]
    )
    discussed = TextAreaField(
        _l("Wat hebben jullie besproken?"),
        description=_l("Bijvoorbeeld: de uitkomst per competentie en wat de vrijwilliger wil."),
        validators=[InputRequired(_l("Schrijf op wat jullie bespraken.")), Length(max=8000)],
    )
    volunteer_reaction = TextAreaField(
        _l("Hoe reageerde de vrijwilliger op de beoordeling?"),
        description=_l("In de woorden van de vrijwilliger zelf."),
        validators=[
            InputRequired(_l("Schrijf op hoe de vrijwilliger op de beoordeling reageerde.")),
            Length(max=8000),
        ],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class GoalForm(Form):
    """One goal of the plan (a sub-form: the CSRF token is on the outer form)."""

    competency_id = SelectField(_l("Bij welke competentie hoort dit doel?"), validate_choice=False)
    goal = TextAreaField(_l("Doel"), validators=[Length(max=2000)])
    actions = TextAreaField(
        _l("Wat ga je doen?"),
        description=_l("De acties om het doel te halen."),
        validators=[Length(max=2000)],
    )
    support = TextAreaField(_l("Welke steun heb je nodig?"), validators=[Length(max=2000)])
    support_from = StringField(_l("Van wie krijg je die steun?"), validators=[Length(max=2000)])
    target_date = FriendlyDateField(_l("Streefdatum"), validators=[Optional()])


class PlanForm(FlaskForm):
    goals = FieldList(FormField(GoalForm), min_entries=1, max_entries=12)
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom trek je het bewijs van deelname in?"),
        description=_l("De vrijwilliger krijgt deze reden in een e-mail."),
        validators=[
            InputRequired(_l("Schrijf op waarom je het bewijs intrekt.")),
            Length(max=2000),
        ],
    )


class NumberForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form that changes nothing

    nummer = StringField(
        _l("Nummer van het bewijs"),
        description=_l("Het staat rechtsboven op het bewijs, bijvoorbeeld 7K3M-Q2XD-9H4T-B6WN."),
        validators=[InputRequired(_l("Vul het nummer in.")), Length(max=40)],
    )


class UploadForm(FlaskForm):
    file = FileField(
        _l("PDF-bestand van het bewijs"),
        description=_l("We kijken of het bestand precies zo is als wij het hebben uitgegeven."),
    )
