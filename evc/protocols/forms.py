"""Forms of care-task protocols and clearances. Labels and validation only; choices that depend
on data are filled in by the view, and the per-item forms are built from the protocol version."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from evc.formfields import DATE_INVALID, FriendlyDateField, SelectChoice
from evc.once import OnceMixin
from evc.protocols.loader import ResourceKind, RiskLevel, item_hash
from evc.protocols.models import VogStatus

LINES_HINT = _l("Zet elk punt op een eigen regel.")


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def risk_choices():
    return [
        SelectChoice(RiskLevel.LOW.value, _l("Laag")),
        SelectChoice(RiskLevel.MEDIUM.value, _l("Middel")),
        SelectChoice(RiskLevel.HIGH.value, _l("Hoog")),
    ]


class ProtocolForm(FlaskForm):
    key = StringField(
        _l("Code"),
        description=_l(
            "Een vaste code voor roosterprogramma's, met kleine letters, cijfers en _. "
            "Bijvoorbeeld: rolstoel_transfer. De code verandert nooit."
        ),
        validators=[InputRequired(_l("Vul een code in.")), Length(max=63)],
    )
    title = StringField(
        _l("Naam van de taak"), validators=[InputRequired(_l("Vul een naam in.")), Length(max=200)]
    )
    description = TextAreaField(
        _l("Uitleg in gewone taal"),
        validators=[InputRequired(_l("Schrijf op wat de taak is.")), Length(max=2000)],
    )
    setting = StringField(
        _l("Waar gebeurt het?"),
        description=_l("Bijvoorbeeld: verpleeghuis, dagbesteding of thuis."),
        validators=[InputRequired(_l("Vul in waar de taak gebeurt.")), Length(max=200)],
    )
    risk_level = RadioField(
        _l("Risico"),
        choices=risk_choices(),
        validators=[InputRequired(_l("Kies het risico."))],
    )
    reserved_act = BooleanField(_l("Dit is een voorbehouden handeling"))
    validity_months = IntegerField(
        _l("Hoeveel maanden geldt een bevoegdverklaring?"),
        validators=[
            InputRequired(_l("Vul een aantal maanden in.")),
            NumberRange(1, 60, _l("Kies 1 tot en met 60 maanden.")),
        ],
    )
    instructed_by = StringField(
        _l("Wie mag instrueren?"),
        description=_l("Bijvoorbeeld: een verpleegkundige van de locatie."),
        validators=[InputRequired(_l("Vul in wie mag instrueren.")), Length(max=200)],
    )
    know = TextAreaField(
        _l("Weten: wat moet de vrijwilliger weten?"),
        description=LINES_HINT,
        validators=[InputRequired(_l("Schrijf minstens één punt op."))],
    )
    skills = TextAreaField(
        _l("Kunnen: wat moet de vrijwilliger laten zien?"),
        description=LINES_HINT,
        validators=[InputRequired(_l("Schrijf minstens één punt op."))],
    )
    equipment = TextAreaField(
        _l("Beschikken over: hulpmiddelen"), description=LINES_HINT, validators=[Optional()]
    )
    written_instruction = TextAreaField(
        _l("Beschikken over: schriftelijke instructie"),
        description=LINES_HINT,
        validators=[Optional()],
    )
    contact_person = TextAreaField(
        _l("Beschikken over: contactpersoon"), description=LINES_HINT, validators=[Optional()]
    )
    other = TextAreaField(
        _l("Beschikken over: iets anders"), description=LINES_HINT, validators=[Optional()]
    )
    vog = StringField(
        _l("VOG nodig? Welke?"),
        description=_l("Laat leeg als er geen VOG nodig is."),
        validators=[Optional(), Length(max=300)],
    )
    stop_and_call = TextAreaField(
        _l("Wanneer stopt de vrijwilliger en belt een professional?"),
        description=LINES_HINT,
        validators=[InputRequired(_l("Schrijf minstens één punt op."))],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])

    RESOURCE_FIELDS = (
        ResourceKind.EQUIPMENT,
        ResourceKind.WRITTEN_INSTRUCTION,
        ResourceKind.CONTACT_PERSON,
        ResourceKind.OTHER,
    )

    def as_data(self, number: int) -> dict:
        """The form in the shape of a protocol file, for the shared validator."""
        return {
            "id": (self.key.data or "").strip(),
            "version": number,
            "title": self.title.data,
            "description": self.description.data,
            "setting": self.setting.data,
            "risk_level": self.risk_level.data,
            "reserved_act": bool(self.reserved_act.data),
            "validity_months": self.validity_months.data,
            "instructed_by": self.instructed_by.data,
            "know": _lines(self.know.data),
            "skills": _lines(self.skills.data),
            "resources": self._resources(),
            "stop_and_call": _lines(self.stop_and_call.data),
        }

    def _resources(self) -> list[dict]:
        """One resource per line of each resource field, then the VOG when one is asked for."""
        resources = [
            {"kind": kind.value, "text": line}
            for kind in self.RESOURCE_FIELDS
            for line in _lines(getattr(self, kind.value).data)
        ]
        vog = (self.vog.data or "").strip()
        return resources + ([{"kind": ResourceKind.VOG.value, "text": vog}] if vog else [])

    def fill_from(self, key: str, version) -> None:
        """Start a new version from the current one."""
        self.key.data = key
        for name in ("title", "description", "setting", "validity_months", "instructed_by"):
            getattr(self, name).data = getattr(version, name)
        self.risk_level.data = version.risk_level.value
        self.reserved_act.data = version.reserved_act
        for name in ("know", "skills", "stop_and_call"):
            getattr(self, name).data = "\n".join(getattr(version, name))
        for kind in self.RESOURCE_FIELDS:
            getattr(self, kind.value).data = "\n".join(
                r["text"] for r in version.resources if r["kind"] == kind.value
            )
        self.vog.data = next(
            (r["text"] for r in version.resources if r["kind"] == ResourceKind.VOG.value), ""
        )


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class StartClearanceForm(FlaskForm):
    volunteer = SelectField(
        _l("Vrijwilliger"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Kies een vrijwilliger."))],
    )
    protocol = SelectField(
        _l("Taak"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Kies een taak."))],
    )


class AcknowledgeForm(FlaskForm):
    items = CheckboxList(
        _l("Ik weet dit en ik houd me eraan"),
        validate_choice=False,
    )

    def set_items(self, texts) -> None:
        self.items.choices = [(item_hash(text), text) for text in texts]


def instruction_form(version, clearance, formdata=None):
    """A form with, per skill, the result, the date seen and a note; per resource a tick."""
    form_class = _instruction_form_class(version)
    form = form_class(formdata=formdata) if formdata is not None else form_class()
    form.skill_rows = [_skill_row(form, index, text) for index, text in enumerate(version.skills)]
    resources = enumerate(version.confirmable_resources)
    form.resource_rows = [(text, form[f"resource_{index}"]) for index, text in resources]
    return form


def _instruction_form_class(version) -> type[FlaskForm]:
    """A form class of its own for this version: its skills and resources become fields."""

    class InstructionForm(FlaskForm):
        instructed_on = FriendlyDateField(
            _l("Datum van de instructie"), validators=[InputRequired(DATE_INVALID)]
        )
        version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])

    for index, text in enumerate(version.skills):
        _add_skill_fields(InstructionForm, index, text)
    for index, text in enumerate(version.confirmable_resources):
        setattr(InstructionForm, f"resource_{index}", BooleanField(text))
    return InstructionForm


def _skill_row(form, index: int, text: str) -> tuple:
    """A skill with its result, date and note fields, as the page lists them."""
    fields = (f"skill_{index}_result", f"skill_{index}_on", f"skill_{index}_note")
    return (text, *(form[name] for name in fields))


def _add_skill_fields(form_class, index: int, text: str) -> None:
    """Per skill: what the instructor saw, when, and a note."""
    setattr(form_class, f"skill_{index}_result", _skill_result_field(text))
    seen_on = FriendlyDateField(_l("Gezien op"), validators=[Optional()])
    setattr(form_class, f"skill_{index}_on", seen_on)
    note = TextAreaField(
        _l("Opmerking (mag leeg blijven)"), validators=[Optional(), Length(max=2000)]
    )
    setattr(form_class, f"skill_{index}_note", note)


def _skill_result_field(text: str) -> RadioField:
    choices = [
        SelectChoice("yes", _l("Laten zien: goed")),
        SelectChoice("no", _l("Nog niet goed")),
        SelectChoice("", _l("Niet gezien")),
    ]
    return RadioField(text, choices=choices, default="", validate_choice=True)


class GrantForm(FlaskForm):
    valid_until = FriendlyDateField(
        _l("Verloopt op"),
        description=_l(
            "Vanaf deze dag geldt de bevoegdverklaring niet meer. Voorgesteld: de geldigheid "
            "uit het protocol."
        ),
        validators=[InputRequired(DATE_INVALID)],
    )
    client_reference = StringField(
        _l("Alleen voor één cliënt? (mag leeg blijven)"),
        description=_l(
            "Gebruik een korte verwijzing die de cliënt niet herkenbaar maakt, bijvoorbeeld "
            "kamer 12. Geen naam of BSN."
        ),
        validators=[Optional(), Length(max=40, message=_l("Gebruik hoogstens 40 tekens."))],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Waarom trek je de bevoegdverklaring in?"),
        description=_l("De vrijwilliger kan deze reden lezen."),
        validators=[
            InputRequired(_l("Schrijf op waarom je de bevoegdverklaring intrekt.")),
            Length(max=2000),
        ],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class CheckForm(FlaskForm):
    """The question "may this volunteer do this task on this date?" (a GET form)."""

    class Meta:
        csrf = False

    vrijwilliger = SelectField(_l("Vrijwilliger"), coerce=int, validate_choice=False)
    taak = SelectField(_l("Taak"), coerce=int, validate_choice=False)
    datum = FriendlyDateField(_l("Datum"), validators=[Optional()])
    client = StringField(
        _l("Cliënt (mag leeg blijven)"),
        description=_l("De korte verwijzing, als de bevoegdverklaring voor één cliënt geldt."),
        validators=[Optional(), Length(max=40)],
    )


def vog_choices():
    return [
        SelectChoice(VogStatus.NOT_REQUESTED.value, _l("Niet aangevraagd")),
        SelectChoice(VogStatus.REQUESTED.value, _l("Aangevraagd")),
        SelectChoice(VogStatus.RECEIVED.value, _l("Ontvangen")),
    ]


class VogForm(FlaskForm):
    status = RadioField(
        _l("Status van de VOG"),
        choices=vog_choices(),
        validators=[InputRequired(_l("Kies de status."))],
    )
    requested_on = FriendlyDateField(
        _l("Aangevraagd op (mag leeg blijven)"), validators=[Optional()]
    )
    issued_on = FriendlyDateField(
        _l("Datum van afgifte"),
        description=_l("De datum die op de VOG staat. Bewaar geen kopie van de VOG."),
        validators=[Optional()],
    )
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Naam van de sleutel"),
        description=_l("Bijvoorbeeld de naam van het roosterprogramma dat de sleutel gebruikt."),
        validators=[InputRequired(_l("Geef de sleutel een naam.")), Length(max=100)],
    )


class PortfolioForm(OnceMixin, FlaskForm):
    competency = SelectField(
        _l("Bij welke competentie hoort dit bewijs?"),
        validate_choice=False,
        validators=[InputRequired(_l("Kies een competentie."))],
    )
