"""Forms of the portfolio. Competency choices are filled in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from evc.formfields import DATE_INVALID, FriendlyDateField, SelectChoice
from evc.once import OnceMixin
from evc.portfolio.models import EvidenceKind


def kind_choices():
    return [
        SelectChoice(EvidenceKind.PHOTO.value, _l("Foto")),
        SelectChoice(EvidenceKind.DOCUMENT.value, _l("Document (bijvoorbeeld een verslag)")),
        SelectChoice(EvidenceKind.STORY.value, _l("Verhaal (STARR), alleen tekst")),
        SelectChoice(
            EvidenceKind.REFEREE_STATEMENT.value, _l("Verklaring van iemand die je werk kent")
        ),
        SelectChoice(EvidenceKind.CERTIFICATE.value, _l("Certificaat of diploma")),
        SelectChoice(EvidenceKind.OTHER.value, _l("Iets anders")),
    ]


class EvidenceForm(OnceMixin, FlaskForm):
    kind = RadioField(
        _l("Wat voor bewijs is het?"),
        choices=kind_choices(),
        validators=[InputRequired(_l("Kies wat voor bewijs het is."))],
    )
    title = StringField(
        _l("Titel"),
        description=_l("Kort, bijvoorbeeld: Foto van de kerstmarkt."),
        validators=[
            InputRequired(_l("Geef het bewijs een titel.")),
            Length(max=200, message=_l("De titel mag hoogstens 200 tekens zijn.")),
        ],
    )
    description = TextAreaField(
        _l("Beschrijving"),
        description=_l(
            "Wat laat dit zien? Bij een verhaal: vertel wat er gebeurde, wat jij "
            "deed en wat je ervan leerde."
        ),
        validators=[Length(max=8000)],
    )
    activity_from = FriendlyDateField(
        _l("Wanneer was het?"),
        description=_l("De datum, of de begindatum als het langer duurde."),
        validators=[InputRequired(DATE_INVALID)],
    )
    activity_to = FriendlyDateField(_l("Tot wanneer (mag leeg blijven)"), validators=[Optional()])
    work_context = StringField(
        _l("Bij welk vrijwilligerswerk?"),
        description=_l("Bijvoorbeeld: Voedselbank Oost, uitgifte."),
        validators=[
            InputRequired(_l("Vul in bij welk vrijwilligerswerk dit hoort.")),
            Length(max=200),
        ],
    )
    competencies = SelectMultipleField(
        _l("Bij welke competenties hoort dit?"),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validate_choice=False,  # the service refuses competencies not chosen, with a message
    )
    file = FileField(_l("Bestand (mag leeg blijven bij een verhaal)"))  # hint set by the view
    remove_file = BooleanField(_l("Huidig bestand weghalen"))
    version_id = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class RefereeForm(OnceMixin, FlaskForm):
    name = StringField(
        _l("Naam van de referent"),
        validators=[InputRequired(_l("Vul de naam in.")), Length(max=120)],
    )
    role = StringField(
        _l("Rol of functie"),
        description=_l("Bijvoorbeeld: coördinator van de voedselbank."),
        validators=[InputRequired(_l("Vul de rol in.")), Length(max=120)],
    )
    email = EmailField(
        _l("E-mailadres van de referent"),
        validators=[
            InputRequired(_l("Vul een e-mailadres in.")),
            Email(_l("Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.")),
            Length(max=254),
        ],
    )


class RefereeAnswerForm(FlaskForm):
    answer = RadioField(
        _l("Klopt wat er staat?"),
        choices=[
            SelectChoice("confirm", _l("Ja, ik bevestig dit")),
            SelectChoice("decline", _l("Nee, dit kan ik niet bevestigen")),
        ],
        validators=[InputRequired(_l("Kies of je het bevestigt."))],
    )
    words = TextAreaField(
        _l("Je eigen woorden (mag leeg blijven bij bevestigen)"), validators=[Length(max=4000)]
    )


class CommentForm(OnceMixin, FlaskForm):
    body = TextAreaField(
        _l("Reactie"),
        validators=[InputRequired(_l("Schrijf eerst een reactie.")), Length(max=4000)],
    )
