"""The Open Badges 3.0 export: valid against the official schema, signed, tamper-evident."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import jsonschema
import pytest

from evc.certificates import badge, issuing, keys, services
from evc.extensions import db
from tests.assessment import refusal
from tests.certificates.conftest import agree_plan, goal, loaded, next_request, record_interview

SCHEMA = json.loads(
    (Path(__file__).parent / "ob_v3p0_achievementcredential_schema.json").read_text()
)


def _claims(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _segment(claims: dict) -> str:
    text = json.dumps(claims, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode()


def _jwk(certificate) -> dict:
    return keys.public_jwk(certificate.organisation_id, badge.KEY_ID)


def test_badge_is_a_valid_open_badge_credential(issued):
    credential = _claims(issuing.badge_token(issued))["vc"]
    jsonschema.Draft201909Validator(
        SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    ).validate(credential)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    broken = json.loads(json.dumps(credential))
    del broken["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(SCHEMA).validate(broken)
    assert credential["issuer"]["name"] == "Vrijwilligerscentrum Test"
    assert credential["id"] == f"http://localhost/controleren/{issued.number}"


def test_badge_aligns_only_the_recognised_competencies(issued):
    subject = _claims(issuing.badge_token(issued))["vc"]["credentialSubject"]
    alignment = subject["achievement"]["alignment"]
    assert [a["targetCode"] for a in alignment] == ["communicating"]
    assert alignment[0]["targetName"] == "Communiceren"
    assert alignment[0]["targetUrl"] == "http://localhost/competenties/communicating"
    assert [r["alignment"][0]["targetCode"] for r in subject["result"]] == ["communicating"]


def test_badge_carries_the_agreed_plan_and_hides_the_email_address(issued, volunteer):
    credential = _claims(issuing.badge_token(issued))["vc"]
    assert "Beter samenwerken in het team" in credential["evidence"][0]["narrative"]
    assert volunteer.email not in json.dumps(credential)
    names = [i["identityHash"] for i in credential["credentialSubject"]["identifier"]]
    assert "Vera Vrijwilliger" in names


def test_signature_round_trip_and_tampered_copy(issued):
    token = issuing.badge_token(issued)
    jwk = _jwk(issued)
    assert badge.verify(token, jwk)["vc"]["id"].endswith(issued.number)
    header, claims, signature = token.split(".")
    changed = _claims(token)
    changed["vc"]["credentialSubject"]["achievement"]["alignment"][0]["targetName"] = "Presentatie"
    forged = _segment(changed)
    with pytest.raises(badge.BadSignature):
        badge.verify(f"{header}.{forged}.{signature}", jwk)
    with pytest.raises(badge.BadSignature):
        badge.verify(f"{header}.{claims}.{signature[:-4]}AAAA", jwk)


def test_a_badge_signed_by_another_organisation_does_not_verify(issued, other_org):
    token = issuing.badge_token(issued)
    with pytest.raises(badge.BadSignature):
        badge.verify(token, keys.public_jwk(other_org.id, badge.KEY_ID))


def test_key_is_made_once_with_owner_only_permissions(issued, app):
    issuing.badge_token(issued)
    path = keys.key_dir() / f"organisation-{issued.organisation_id}-ed25519.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    first = path.read_bytes()
    issuing.badge_token(issued)
    assert path.read_bytes() == first


def test_revoked_certificate_is_not_exported_as_badge(issued, coordinator):
    issuing.revoke(issued, "Per vergissing uitgegeven.", actor=coordinator)
    db.session.commit()
    assert "ingetrokken" in refusal(issuing.badge_token, issued)


def test_a_token_naming_another_algorithm_is_refused(issued):
    _, claims, _ = issuing.badge_token(issued).split(".")
    jwk = _jwk(issued)
    unsigned = _segment({"alg": "none", "typ": "JWT"})
    with pytest.raises(badge.BadSignature):
        badge.verify(f"{unsigned}.{claims}.", jwk)
    header = _segment({"alg": "HS256", "typ": "JWT"})
    secret = json.dumps(jwk).encode()
    mac = hmac.new(secret, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(badge.BadSignature):
        badge.verify(f"{header}.{claims}.{signature}", jwk)


def test_the_largest_plan_still_gives_a_badge_that_verifies(
    assessed, supervisor, volunteer, coordinator
):
    text = "Oefenen 😀 " * (services.MAX_TEXT // 10)
    row = dict.fromkeys(("goal", "actions", "support", "support_from"), text)
    record_interview(assessed, supervisor)
    agree_plan(assessed, supervisor, volunteer, rows=[goal(**row)] * services.MAX_GOALS)
    certificate = issuing.issue_certificate(loaded(assessed), actor=supervisor)
    next_request()
    token = issuing.badge_token(certificate)
    assert len(token) > 128_000  # over joserfc's default limit
    claims = badge.verify(token, _jwk(certificate))
    assert claims["vc"]["evidence"][0]["narrative"].count("Oefenen 😀") > 4 * services.MAX_GOALS
