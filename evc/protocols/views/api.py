"""Tokens for scheduling tools (made and revoked by the coordinator), and the JSON check those
tools call with a token: may this volunteer do this task on this date?"""

from __future__ import annotations

from datetime import date

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation
from evc.accounts.reauth import fresh_login
from evc.formfields import EmptyForm, filled
from evc.protocols import services
from evc.protocols.forms import ApiTokenForm
from evc.protocols.models import ApiToken
from evc.protocols.status import local_today
from evc.protocols.views.blueprint import bp
from evc.urls import number_arg
from evc.web import actor, done, get_or_404, page, permission, press, save, token_authenticated

# --- API tokens ----------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/api-sleutels", methods=["GET", "POST"])
@permission("api_token.manage", ORGANISATION)
@fresh_login
def api_tokens(organisation: Organisation):
    """Tokens for scheduling tools. A new token is shown once, on this answer only."""
    form = ApiTokenForm()

    def action():
        name = filled(form.name.data)
        _token, plain = services.create_api_token(organisation, name, actor=actor())
        return _tokens_page(organisation, ApiTokenForm(formdata=None), plain).render()

    return save(form, action, _tokens_page(organisation, form))


def _tokens_page(organisation: Organisation, form: ApiTokenForm, plain: str | None = None):
    return page(
        "protocols/api_tokens.html",
        organisation=organisation,
        form=form,
        tokens=services.tokens_of(organisation.id),
        plain=plain,
        revoke_form=EmptyForm(),
    )


@bp.route(
    "/organisaties/<int:organisation_id>/api-sleutels/<int:token_id>/intrekken", methods=["POST"]
)
@permission("api_token.manage", ORGANISATION)
def revoke_api_token(organisation: Organisation, token_id: int):
    token = get_or_404(ApiToken, token_id, where=lambda t: t.organisation_id == organisation.id)
    back = url_for("protocols.api_tokens", organisation_id=organisation.id)

    def action():
        services.revoke_api_token(token, actor=actor())
        return done(back, _("De sleutel %(name)s is ingetrokken.", name=token.name))

    return press(action, back)


# --- the JSON check for scheduling tools ---------------------------------------------------


def _json_error(status: int, code: str, message: str):
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="evc"'
    return response


@bp.route("/api/v1/bevoegdheid")
@token_authenticated
def api_check():
    """GET with ``Authorization: Bearer <token>``; ``vrijwilliger`` (user id), ``taak``
    (protocol code), optional ``datum`` (YYYY-MM-DD, default today) and ``client``. Only
    volunteers and tasks of the token's organisation exist for it (else 404)."""
    token = _bearer_token()
    if token is None:
        return _json_error(401, "unauthorized", "Missing, unknown or revoked token.")
    try:
        on = date.fromisoformat(request.args["datum"]) if request.args.get("datum") else None
    except ValueError:
        return _json_error(400, "bad_date", "datum must be a date as YYYY-MM-DD.")
    return _check(token.organisation_id, on)


def _check(organisation_id: int, on: date | None):
    """The answer about the volunteer and the task asked for, both of the token's organisation."""
    volunteer_id = request.args.get("vrijwilliger", type=number_arg)
    volunteer = services.volunteer_of(organisation_id, volunteer_id)
    if volunteer is None:
        return _json_error(404, "unknown_volunteer", "No such volunteer in this organisation.")
    protocol = services.protocol_by_key(organisation_id, request.args.get("taak", ""))
    if protocol is None:
        return _json_error(404, "unknown_task", "No such task in this organisation.")
    client = request.args.get("client", "")[:40]
    on = on or local_today()
    verdict = services.check(organisation_id, volunteer, protocol, on=on, client=client)
    return jsonify(_answer(volunteer, protocol, on, client, verdict))


def _bearer_token() -> ApiToken | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return services.find_api_token(value.strip()) if scheme.lower() == "bearer" else None


def _answer(volunteer, protocol, on: date, client: str, verdict) -> dict:
    return {
        "vrijwilliger": volunteer.id,
        "taak": protocol.key,
        "datum": on.isoformat(),
        "client": client or None,
        "toegestaan": verdict.allowed,
        "status": verdict.state.value,
        "verloopt_op": verdict.valid_until.isoformat() if verdict.valid_until else None,
        "ontbreekt": [{"code": m.code, "tekst": m.text} for m in verdict.missing],
    }
