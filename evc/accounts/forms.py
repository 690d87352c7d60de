"""Forms for accounts. Labels are lazily translated; role logic never lives here."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from evc.accounts.models import OrganisationKind, Role
from evc.formfields import SelectChoice

EMAIL_REQUIRED = _l("Vul je e-mailadres in.")
EMAIL_INVALID = _l("Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.")


def role_choices():
    return [
        SelectChoice(Role.VOLUNTEER.value, _l("Vrijwilliger")),
        SelectChoice(Role.SUPERVISOR.value, _l("Begeleider")),
        SelectChoice(Role.ASSESSOR.value, _l("Beoordelaar")),
        SelectChoice(Role.COORDINATOR.value, _l("Coördinator")),
        SelectChoice(Role.CLIENT.value, _l("Deelnemer (Participatiewet)")),
        SelectChoice(Role.INSTRUCTOR.value, _l("Instructeur (zorgprofessional)")),
        SelectChoice(Role.CASE_MANAGER.value, _l("Klantmanager (gemeente)")),
    ]


def language_choices():
    return [SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]


def organisation_kind_choices():
    return [
        SelectChoice(OrganisationKind.VOLUNTEER.value, _l("Vrijwilligersorganisatie")),
        SelectChoice(OrganisationKind.ASSESSMENT.value, _l("Organisatie van beoordelaars")),
        SelectChoice(OrganisationKind.HOST.value, _l("Inzetorganisatie (Participatiewet)")),
        SelectChoice(OrganisationKind.MUNICIPALITY.value, _l("Gemeente (klantmanagers)")),
    ]


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"), validators=[InputRequired(EMAIL_REQUIRED), Length(max=254)]
    )
    password = PasswordField(
        _l("Wachtwoord"), validators=[InputRequired(_l("Vul je wachtwoord in."))]
    )


class NewPasswordMixin:
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        description=_l(
            "Minstens 12 tekens. Een korte zin van een paar woorden is sterk en "
            "makkelijk te onthouden."
        ),
        validators=[InputRequired(_l("Kies een wachtwoord."))],
    )
    password_repeat = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            InputRequired(_l("Vul het wachtwoord nog een keer in.")),
            EqualTo("password", _l("De twee wachtwoorden zijn niet hetzelfde.")),
        ],
    )


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Huidig wachtwoord"), validators=[InputRequired(_l("Vul je huidige wachtwoord in."))]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[InputRequired(EMAIL_REQUIRED), Email(EMAIL_INVALID), Length(max=254)],
    )


class LanguageForm(FlaskForm):
    language = RadioField(_l("Taal"), choices=language_choices(), validators=[InputRequired()])


class InviteForm(FlaskForm):
    display_name = StringField(
        _l("Naam"),
        description=_l("Zoals de persoon aangesproken wil worden."),
        validators=[InputRequired(_l("Vul een naam in.")), Length(max=120)],
    )
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            InputRequired(_l("Vul een e-mailadres in.")),
            Email(EMAIL_INVALID),
            Length(max=254),
        ],
    )
    role = SelectField(
        _l("Rol"), choices=role_choices(), validators=[InputRequired(_l("Kies een rol."))]
    )
    language = SelectField(_l("Taal van de uitnodiging"), choices=language_choices(), default="nl")


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Rol"), choices=role_choices(), validators=[InputRequired(_l("Kies een rol."))]
    )


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Naam van de organisatie"),
        validators=[InputRequired(_l("Vul een naam in.")), Length(max=200)],
    )
    kind = SelectField(_l("Soort organisatie"), choices=organisation_kind_choices())
    coordinator_name = StringField(
        _l("Naam van de eerste coördinator"),
        validators=[InputRequired(_l("Vul een naam in.")), Length(max=120)],
    )
    coordinator_email = EmailField(
        _l("E-mailadres van de eerste coördinator"),
        validators=[
            InputRequired(_l("Vul een e-mailadres in.")),
            Email(EMAIL_INVALID),
            Length(max=254),
        ],
    )
