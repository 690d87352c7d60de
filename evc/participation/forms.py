"""Forms of the participation log: labels and parsing only; the rules live in services."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    Field,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.datetime import MonthField
from wtforms.validators import InputRequired, Length, Optional

from evc.formfields import FriendlyDateField, SelectChoice
from evc.once import OnceMixin
from evc.participation.models import Regime

REGIME_LABELS = {
    Regime.RECIPROCITY: _l("Tegenprestatie (art. 9 lid 1 onderdeel c Participatiewet, tot 2027)"),
    Regime.SOCIAL_PARTICIPATION: _l("Maatschappelijke participatie (vanaf 1 januari 2027)"),
    Regime.VOLUNTARY: _l("Vrijwillig"),
}
HOURS_RE = re.compile(r"^\s*(-?)(\d{1,3})(?:[.,](\d{1,2}))?\s*$")
TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> int:
    """Hours as people type them ("2", "2,5", "2.25", "1:45") to minutes; may be negative or
    not a quarter of an hour: the service explains what is wrong with such a number."""
    match = TIME_RE.match(text)
    if match:
        return int(match.group(1)) * 60 + int(match.group(2))
    match = HOURS_RE.match(text)
    if not match:
        raise ValueError(str(_l("Vul een aantal uren in, bijvoorbeeld 2 of 2,5.")))
    sign, whole, fraction = match.groups()
    minutes = int(whole) * 60 + round(float("0." + (fraction or "0")) * 60)
    return -minutes if sign else minutes


class HoursField(Field):
    """A text field for a number of hours; ``data`` is whole minutes."""

    widget = widgets.TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data / 60:.2f}".rstrip("0").rstrip(".").replace(".", ",")

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            self.data = parse_hours(valuelist[0])
        else:
            self.data = None


def _hours(label, description=None):
    return HoursField(
        label,
        description=description,
        validators=[InputRequired(_l("Vul een aantal uren in."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class FriendlyMonthField(MonthField):
    """A month field whose "not a month" message is a plain sentence of our own."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Kies een maand, bijvoorbeeld 2026-10."))) from error


class AgreementForm(FlaskForm):
    client_id = SelectField(_l("Deelnemer"), coerce=int, validate_choice=False)
    host_organisation_id = SelectField(_l("Inzetorganisatie"), coerce=int, validate_choice=False)
    host_contact_id = SelectField(
        _l("Contactpersoon bij de inzetorganisatie"),
        description=_l(
            "Deze persoon keurt de uren goed. Hij of zij ziet alleen het werk en de uren."
        ),
        coerce=int,
        validate_choice=False,
    )
    municipality = StringField(
        _l("Gemeente"),
        description=_l(
            "De gemeente die de uitkering geeft. Kies uit de lijst of typ de naam, "
            "bijvoorbeeld Utrecht."
        ),
        validators=[InputRequired(_l("Vul de gemeente in.")), Length(max=120)],
    )
    client_reference = StringField(
        _l("Klantnummer bij de gemeente"),
        description=_l("Het eigen nummer van de gemeente. Nooit een BSN."),
        validators=[InputRequired(_l("Vul het klantnummer van de gemeente in.")), Length(max=40)],
    )
    regime = RadioField(
        _l("Soort afspraak"),
        choices=[SelectChoice(r.value, REGIME_LABELS[r]) for r in Regime],
        validators=[InputRequired(_l("Kies de soort afspraak."))],
    )
    activity = StringField(
        _l("Werk"),
        description=_l("Bijvoorbeeld: helpen in de keuken van het buurthuis."),
        validators=[InputRequired(_l("Vul in welk werk de deelnemer doet.")), Length(max=200)],
    )
    hours_min = _hours(_l("Minimaal aantal uren per week"))
    hours_max = _hours(_l("Maximaal aantal uren per week"))
    starts_on = FriendlyDateField(
        _l("Begindatum"), validators=[InputRequired(_l("Vul de begindatum in."))]
    )
    ends_on = FriendlyDateField(
        _l("Einddatum"), validators=[InputRequired(_l("Vul de einddatum in."))]
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])

    def terms(self) -> dict:
        people = ("client_id", "host_organisation_id", "host_contact_id")
        return {
            **{name: self[name].data for name in people if name in self},
            "municipality": self.municipality.data,
            "client_reference": self.client_reference.data,
            "regime": self.regime.data,
            "activity": self.activity.data,
            "weekly_minutes_min": self.hours_min.data,
            "weekly_minutes_max": self.hours_max.data,
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
        }


class HoursForm(FlaskForm):
    worked_on = FriendlyDateField(_l("Datum"), validators=[InputRequired(_l("Vul de datum in."))])
    hours = _hours(
        _l("Aantal uren"), _l("In kwartieren, bijvoorbeeld 2,5 voor twee en een half uur.")
    )
    activity = StringField(
        _l("Wat heb je gedaan?"),
        validators=[InputRequired(_l("Vul in wat je hebt gedaan.")), Length(max=200)],
    )
    note = TextAreaField(
        _l("Opmerking (mag leeg blijven)"),
        description=_l("De contactpersoon van je inzetorganisatie leest dit ook."),
        validators=[Optional(), Length(max=2000)],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])

    def entry(self) -> dict:
        return {
            "worked_on": self.worked_on.data,
            "minutes": self.hours.data,
            "activity": self.activity.data,
            "note": self.note.data,
        }


class NewHoursForm(OnceMixin, HoursForm):
    """Logging new hours: a double tap on a phone adds one entry, not two."""


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom keur je deze uren af?"),
        description=_l("De deelnemer leest dit en kan de uren dan verbeteren."),
        validators=[InputRequired(_l("Schrijf op waarom je deze uren afwijst.")), Length(max=1000)],
    )


class ExemptionForm(FlaskForm):
    starts_on = FriendlyDateField(
        _l("Van"), validators=[InputRequired(_l("Vul de begindatum in."))]
    )
    ends_on = FriendlyDateField(
        _l("Tot en met"), validators=[InputRequired(_l("Vul de einddatum in."))]
    )
    reason = TextAreaField(
        _l("Reden (mag leeg blijven)"),
        description=_l(
            "Alleen jij en de deelnemer zien de reden. De inzetorganisatie ziet alleen de data."
        ),
        validators=[Optional(), Length(max=1000)],
    )


class ReportForm(FlaskForm):
    first_month = FriendlyMonthField(
        _l("Eerste maand"), validators=[InputRequired(_l("Kies de eerste maand."))]
    )
    last_month = FriendlyMonthField(
        _l("Laatste maand"), validators=[InputRequired(_l("Kies de laatste maand."))]
    )


class RevokeReportForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom trek je het rapport in?"),
        description=_l(
            "Bijvoorbeeld: verkeerde maand, vervangen door een nieuw rapport. De deelnemer en de "
            "klantmanagers die het rapport konden inzien, lezen deze reden."
        ),
        validators=[
            InputRequired(_l("Schrijf op waarom je het rapport intrekt.")),
            Length(max=2000),
        ],
    )


class CheckForm(FlaskForm):
    number = StringField(
        _l("Rapportnummer"),
        description=_l("Staat bovenaan het rapport, bijvoorbeeld PR-ABCD-EFGH-JKLM-NPQR."),
        validators=[InputRequired(_l("Vul het rapportnummer in.")), Length(max=40)],
    )
    file = FileField(
        _l("Het PDF-bestand (mag leeg blijven)"),
        description=_l("Dan controleren we ook of het bestand niet is veranderd."),
    )


class PortfolioForm(FlaskForm):
    trajectory_id = SelectField(_l("Traject"), coerce=int, validate_choice=False)
    competencies = SelectMultipleField(
        _l("Bij welke competenties hoort dit?"),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validate_choice=False,
    )
