"""Forms of the second factor and of "confirm it's you". Labels only; checks are services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

CODE_REQUIRED = _l("Vul de code in.")


class CodeForm(FlaskForm):
    """The login's code step: a code from the app, or a recovery code."""

    code = StringField(
        _l("Code"),
        description=_l(
            "De 6 cijfers uit je app. Geen telefoon bij de hand? Vul een herstelcode in."
        ),
        validators=[InputRequired(CODE_REQUIRED), Length(max=40)],
    )


class EnrolForm(FlaskForm):
    """The first code of a new app: proof that it is set up right."""

    code = StringField(
        _l("Code uit je app"),
        description=_l("De 6 cijfers die je app nu laat zien."),
        validators=[InputRequired(CODE_REQUIRED), Length(max=40)],
    )


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Wachtwoord"), validators=[InputRequired(_l("Vul je wachtwoord in."))]
    )


class ConfirmCodeForm(FlaskForm):
    code = StringField(
        _l("Code uit je app"),
        description=_l("De 6 cijfers uit je app, of een herstelcode."),
        validators=[InputRequired(CODE_REQUIRED), Length(max=40)],
    )
