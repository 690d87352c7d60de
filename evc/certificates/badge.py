"""The certificate as an Open Badges 3.0 ``OpenBadgeCredential``, signed as a VC-JWT.

Proof format: OB 3.0 allows an external proof as a JSON Web Token (VC-JWT, a JOSE compact JWS
whose ``vc`` claim holds the credential). We sign with EdDSA (Ed25519), which OB 3.0 permits next
to the RS256 every verifier must support. We chose this over an embedded ``eddsa-rdfc-2022``
Data Integrity proof because that needs RDF canonicalisation of JSON-LD (a heavy dependency) and
over ``eddsa-jcs-2022`` because OB 3.0 does not list that suite. The header's ``kid`` points at
the organisation's public JWK, published at ``/organisaties/<id>/sleutel.json``.

Data: the recognised competencies are alignments of the achievement and one result each; the
development plan, as agreed at issue, travels as an ``evidence`` entry (the place OB 3.0 gives
for what was produced on the way to the achievement). The holder's e-mail address is hashed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC

from cryptography.exceptions import InvalidSignature

from evc.certificates.keys import b64url, b64url_decode, key_from_jwk, signing_key

CONTEXTS = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
]
SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
KEY_ID = "key-1"


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential(data: dict) -> dict:
    """Build the OpenBadgeCredential from plain ``data`` (see ``services.badge_data``)."""
    alignments = [
        {
            "type": ["Alignment"],
            "targetCode": c["id"],
            "targetName": c["name"],
            "targetDescription": c["definition"],
            "targetFramework": data["framework_name"],
            "targetType": "ceasn:Competency",
            "targetUrl": c["url"],
        }
        for c in data["competencies"]
    ]
    salt = secrets.token_hex(8)
    email_hash = hashlib.sha256((data["holder_email"] + salt).encode("utf-8")).hexdigest()
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": f"sha256${email_hash}",
                "salt": salt,
            },
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": data["holder_name"],
            },
        ],
        "activityStartDate": _iso(data["period_start"]),
        "activityEndDate": _iso(data["issued_at"]),
        "achievement": {
            "id": data["achievement_id"],
            "type": ["Achievement"],
            "achievementType": "CertificateOfCompletion",
            "name": data["achievement_name"],
            "description": data["achievement_description"],
            "criteria": {"narrative": data["criteria"]},
            "alignment": alignments,
            "@language": data["language"],
        },
        "result": [
            {"type": ["Result"], "value": data["result_value"], "alignment": [alignment]}
            for alignment in alignments
        ],
    }
    result = {
        "@context": CONTEXTS,
        "id": data["verify_url"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": data["credential_name"],
        "issuer": {
            "id": data["issuer_id"],
            "type": ["Profile"],
            "name": data["organisation_name"],
        },
        "issuanceDate": _iso(data["issued_at"]),
        "credentialSubject": subject,
        "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if data.get("plan_narrative"):
        result["evidence"] = [
            {
                "type": ["Evidence"],
                "name": data["plan_name"],
                "genre": "DevelopmentPlan",
                "narrative": data["plan_narrative"],
            }
        ]
    return result


def _segment(value: dict) -> str:
    return b64url(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def sign(credential_: dict, *, organisation_id: int, key_url: str) -> str:
    """A compact JWS (VC-JWT) over the credential, signed with the organisation's key."""
    header = {"alg": "EdDSA", "typ": "JWT", "kid": f"{key_url}#{KEY_ID}"}
    claims = {
        "iss": credential_["issuer"]["id"],
        "jti": credential_["id"],
        "nbf": int(_timestamp(credential_["issuanceDate"])),
        "vc": credential_,
    }
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = signing_key(organisation_id).sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def _timestamp(iso: str) -> float:
    from datetime import datetime

    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


class BadSignature(ValueError):
    """The token is malformed or its signature does not match the key."""


def verify(token: str, jwk: dict) -> dict:
    """Check a VC-JWT against a public JWK; return its claims or raise ``BadSignature``."""
    try:
        header_b64, claims_b64, signature_b64 = token.strip().split(".")
        header = json.loads(b64url_decode(header_b64))
        if header.get("alg") != "EdDSA":
            raise BadSignature("unexpected algorithm")
        key_from_jwk(jwk).verify(
            b64url_decode(signature_b64), f"{header_b64}.{claims_b64}".encode("ascii")
        )
        return json.loads(b64url_decode(claims_b64))
    except (InvalidSignature, ValueError, KeyError) as error:
        raise BadSignature(str(error) or "invalid signature") from error
