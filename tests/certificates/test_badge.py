"""The Open Badges 3.0 export: valid against the official schema, signed, tamper-evident."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from evc.certificates import badge, issuing, keys
from evc.extensions import db
from tests.assessment import refusal

SCHEMA = json.loads(
    (Path(__file__).parent / "ob_v3p0_achievementcredential_schema.json").read_text()
)


def _claims(token: str) -> dict:
    return json.loads(keys.b64url_decode(token.split(".")[1]))


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
    forged = keys.b64url(json.dumps(changed, separators=(",", ":")).encode())
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
