"""A number beyond what an id column holds names nothing: every route with an id answers 404."""

from __future__ import annotations

import re

import pytest

from evc.accounts.models import OrganisationKind, Role
from evc.extensions import db
from evc.protocols.services import create_api_token
from tests import factories
from tests.conftest import csrf_from

# Just past PostgreSQL's integer (the type of every id), and past 64 bits.
OUT_OF_RANGE = ("2147483648", "99999999999999999999")
# Values for the other parameters, so that only the id is wrong.
OTHER_PARAMETERS = {"role": "volunteer", "competency_id": "cooperating", "monday": "2026-11-30"}
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(rule: str, number: str) -> str:
    def value(match: re.Match) -> str:
        converter, name = match.groups()
        return number if converter == "int" else OTHER_PARAMETERS.get(name, "x")

    return PARAMETER.sub(value, rule)


def _routes_with_an_id(app):
    rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(rules) > 50  # the walk reaches the routes, not an empty list
    return rules


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_every_route_answers_an_out_of_range_id_with_404(app, web, number):
    web.login(factories.user(site_admin=True).email)
    token = csrf_from(web.get("/overzicht").get_data(as_text=True))
    answers = {}
    for rule in _routes_with_an_id(app):
        path = _fill(rule.rule, number)
        if "GET" in rule.methods:
            answers[path] = web.get(path).status_code
        else:
            answers[path] = web.client.post(path, data={"csrf_token": token}).status_code
    assert {path: code for path, code in answers.items() if code != 404} == {}


def test_the_largest_id_is_still_looked_up(app, web, coordinator):
    web.login(coordinator.email)
    assert web.get("/organisaties/2147483647/leden").status_code == 404  # unknown, no error
    assert (
        web.get(f"/organisaties/{coordinator.memberships[0].organisation_id}/leden").status_code
        == 200
    )


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_an_out_of_range_number_in_the_query_string_counts_as_no_number(
    web, org, coordinator, number
):
    web.login(coordinator.email)
    listed = web.get(f"/organisaties/{org.id}/trajecten")
    for query in (f"begeleider={number}", f"pagina={number}"):
        answer = web.get(f"/organisaties/{org.id}/trajecten?{query}")
        assert answer.status_code == 200, query
        assert answer.get_data(as_text=True).count("<tr") == listed.get_data(as_text=True).count(
            "<tr"
        )
    assert web.get(f"/organisaties/{org.id}/logboek?pagina={number}").status_code == 200


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_the_api_and_the_case_managers_filter_take_an_out_of_range_id_as_nobody(
    app, client, web, org, coordinator, number
):
    _row, token = create_api_token(org, "Rooster", actor=coordinator)
    db.session.commit()
    answer = client.get(
        "/api/v1/bevoegdheid",
        query_string={"vrijwilliger": number, "taak": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 404
    municipality = factories.organisation("Gemeente Test", kind=OrganisationKind.MUNICIPALITY)
    web.login(factories.user(Role.CASE_MANAGER, org=municipality).email)
    assert web.get(f"/gemeente/rapporten?organisatie={number}").status_code == 200
