"""The permission table covers every route; object rules are applied; data of others is a 404."""

from __future__ import annotations

import pytest

from evc.accounts.models import Role
from evc.permissions import RULES, can
from evc.web import permission
from tests import factories


def test_every_route_declares_a_permission_rule(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "permission_rule", None)
        if declared is None or (declared not in ("public", "token") and declared not in RULES):
            undeclared.append(f"{rule.rule} -> {rule.endpoint}")
    assert not undeclared, "routes without a permission rule: " + ", ".join(undeclared)


def test_public_routes_are_only_the_expected_ones(app):
    public = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and getattr(app.view_functions[rule.endpoint], "permission_rule", None) == "public"
    )
    assert public == [
        "/",
        "/controleren",
        "/controleren/<number>",
        "/login",
        "/login/code",
        "/login/code-instellen",
        "/organisaties/<int:organisation_id>/sleutel.json",
        "/participatie/controle",
        "/taal",
        "/uitnodiging",
        "/uitnodiging/<secret:token>",
        "/verklaring",
        "/verklaring/<secret:token>",
        "/wachtwoord-herstellen",
        "/wachtwoord-herstellen/<secret:token>",
        "/wachtwoord-vergeten",
    ]


# Changing roles and blocking, API tokens, and one's own password or second factor: each of
# these views asks for a login fresher than REAUTH_MINUTES (evc.accounts.reauth.fresh_login).
FRESH_LOGIN_VIEWS = {
    "accounts.account",
    "admin.activate",
    "admin.add_role",
    "admin.deactivate",
    "admin.end_membership",
    "admin.remove_role",
    "protocols.api_tokens",
    "second_factor.renew_codes",
    "second_factor.set_up",
    "second_factor.turn_off",
}


def test_sensitive_views_ask_for_a_fresh_login_after_their_permission(app):
    fresh = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "fresh_login", False)
    }
    assert fresh == FRESH_LOGIN_VIEWS
    # @permission is the outer wrapper: the rule is checked first, so nobody is asked to
    # confirm who they are for a page they may not see.
    outer = permission("account.manage_own")(lambda: None).__code__
    for endpoint in fresh:
        assert app.view_functions[endpoint].__code__ is outer, endpoint


def test_token_routes_are_only_the_expected_ones(app, client):
    """Routes for machines answer 401 without a valid bearer token (the views check it)."""
    token_routes = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and getattr(app.view_functions[rule.endpoint], "permission_rule", None) == "token"
    )
    assert token_routes == ["/api/v1/bevoegdheid"]
    for path in token_routes:
        assert client.get(path).status_code == 401
        assert client.get(path, headers={"Authorization": "Bearer nep"}).status_code == 401


def _protected_get_routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or getattr(view, "permission_rule", None) in (
            "public",
            "token",
        ):
            continue
        args = {name: 1 for name in rule.arguments}
        if "role" in args:
            args["role"] = "volunteer"
        if "competency_id" in args:
            args["competency_id"] = "communicating"
        path = rule.rule
        for name, value in args.items():
            path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        yield path, rule.methods


def test_anonymous_visitors_are_sent_to_login_from_every_protected_page(app, client):
    for path, methods in _protected_get_routes(app):
        method = "GET" if "GET" in methods else "POST"
        response = client.open(path, method=method)
        if method == "GET":
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/login"), path
        else:
            assert response.status_code in (302, 400), path  # CSRF or login first


def test_the_declared_rule_is_checked_on_the_loaded_object_before_the_view_runs(
    app, web, org, other_org, coordinator
):
    from evc.accounts.loaders import ORGANISATION
    from evc.web import permission

    ran = []

    @permission("organisation.manage_members", ORGANISATION)
    def probe(organisation):
        ran.append(organisation.id)
        return "ok"

    app.add_url_rule("/probe/<int:organisation_id>", "probe", probe)
    web.login(coordinator.email)
    assert web.get(f"/probe/{org.id}").status_code == 200
    assert web.get(f"/probe/{other_org.id}").status_code == 404
    assert web.get("/probe/999999").status_code == 404
    assert ran == [org.id]


@pytest.fixture
def two_orgs(org, other_org):
    coordinator_a = factories.user(Role.COORDINATOR, org=org, email="a@test.example")
    coordinator_b = factories.user(Role.COORDINATOR, org=other_org, email="b@test.example")
    member_b = factories.user(Role.VOLUNTEER, org=other_org, name="Bert van B")
    return coordinator_a, coordinator_b, member_b


def test_coordinator_sees_nothing_of_another_organisation(web, org, other_org, two_orgs):
    coordinator_a, _coordinator_b, member_b = two_orgs
    web.login(coordinator_a.email)
    assert web.get(f"/organisaties/{other_org.id}/leden").status_code == 404
    assert web.get(f"/organisaties/{other_org.id}/logboek").status_code == 404
    for action in ("blokkeren", "deblokkeren", "opnieuw-uitnodigen", "rol-verwijderen/volunteer"):
        response = web.post_form(
            f"/organisaties/{other_org.id}/leden/{member_b.id}/{action}", form_url="/overzicht"
        )
        assert response.status_code == 404, action
    # a member of another organisation addressed through one's own organisation is also a 404
    response = web.post_form(
        f"/organisaties/{org.id}/leden/{member_b.id}/blokkeren", form_url="/overzicht"
    )
    assert response.status_code == 404
    assert "Bert van B" not in web.get(f"/organisaties/{org.id}/leden").get_data(as_text=True)


def test_nonexistent_organisation_is_a_404_not_an_error(web, coordinator):
    web.login(coordinator.email)
    assert web.get("/organisaties/999999/leden").status_code == 404


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.SUPERVISOR, Role.ASSESSOR, Role.CLIENT])
def test_non_coordinators_cannot_manage_members(web, org, role):
    person = factories.user(role, org=org)
    web.login(person.email)
    assert web.get(f"/organisaties/{org.id}/leden").status_code == 404
    assert web.get(f"/organisaties/{org.id}/logboek").status_code == 404
    assert web.get("/postvak-uit").status_code == 403
    assert web.get("/beheer/organisaties").status_code == 403


def test_site_admin_may_manage_every_organisation(web, org):
    admin = factories.user(site_admin=True)
    web.login(admin.email)
    assert web.get(f"/organisaties/{org.id}/leden").status_code == 200
    assert can("organisation.manage_members", org, user=admin)


def test_rule_table_answers_for_roles(org, other_org):
    coordinator = factories.user(Role.COORDINATOR, org=org)
    volunteer = factories.user(Role.VOLUNTEER, org=org)
    assert can("organisation.manage_members", org, user=coordinator)
    assert not can("organisation.manage_members", other_org, user=coordinator)
    assert not can("organisation.manage_members", org, user=volunteer)
    assert can("framework.view", user=volunteer)
