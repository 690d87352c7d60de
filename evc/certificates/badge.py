"""The certificate as an Open Badges 3.0 ``OpenBadgeCredential``, signed as a VC-JWT.

Proof format: OB 3.0 allows an external proof as a JSON Web Token (VC-JWT, a JOSE compact JWS
whose ``vc`` claim holds the credential). We sign with EdDSA (Ed25519), which OB 3.0 permits next
to the RS256 every verifier must support. We chose this over an embedded ``eddsa-rdfc-2022``
Data Integrity proof because that needs RDF canonicalisation of JSON-LD (a heavy dependency) and
over ``eddsa-jcs-2022`` because OB 3.0 does not list that suite. The header's ``kid`` points at
the organisation's public JWK, published at ``/organisaties/<id>/sleutel.json``. Signing and
checking go through joserfc, limited to EdDSA.

Data: the recognised competencies are alignments of the achievement and one result each; the
development plan, as agreed at issue, travels as an ``evidence`` entry (the place OB 3.0 gives
for what was produced on the way to the achievement). The holder's e-mail address is hashed.
"""

from __future__ import annotations

import hashlib
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from joserfc import jwt
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry

from evc.certificates.keys import ALGORITHM, signing_key

CONTEXTS = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
]
SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
KEY_ID = "key-1"

# Only EdDSA signs and only EdDSA is accepted: a token that names another algorithm ("none",
# or HS256 with the public key as its secret) is refused before any key is used.
REGISTRY = JWSRegistry(algorithms=[ALGORITHM])
# joserfc refuses a payload over 128 kB when checking. The largest plan has 12 goals of four
# texts of at most 2000 characters; at up to 6 bytes a character once JSON-escaped and a third
# more for base64 that is under 0.8 MB, so 1 MB leaves room for the rest of the credential.
REGISTRY.max_payload_length = 1_000_000


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _timestamp(iso: str) -> float:
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


# --- the credential ----------------------------------------------------------------------------


def credential(data: dict) -> dict:
    """Build the OpenBadgeCredential from plain ``data`` (see ``issuing.badge_data``)."""
    result = {
        "@context": CONTEXTS,
        "id": data["verify_url"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": data["credential_name"],
        "issuer": {"id": data["issuer_id"], "type": ["Profile"], "name": data["organisation_name"]},
        "issuanceDate": _iso(data["issued_at"]),
        "credentialSubject": _subject(data, _alignments(data)),
        "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if data.get("plan_narrative"):
        result["evidence"] = [_plan_evidence(data)]
    return result


def _alignments(data: dict) -> list[dict]:
    return [
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


def _subject(data: dict, alignments: list[dict]) -> dict:
    return {
        "type": ["AchievementSubject"],
        "identifier": [_email_identity(data["holder_email"]), _name_identity(data["holder_name"])],
        "activityStartDate": _iso(data["period_start"]),
        "activityEndDate": _iso(data["issued_at"]),
        "achievement": _achievement(data, alignments),
        "result": [
            {"type": ["Result"], "value": data["result_value"], "alignment": [alignment]}
            for alignment in alignments
        ],
    }


def _email_identity(email: str) -> dict:
    """The address salted and hashed: whoever knows it can check it, nobody can read it."""
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((email + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def _name_identity(name: str) -> dict:
    return {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": name,
    }


def _achievement(data: dict, alignments: list[dict]) -> dict:
    return {
        "id": data["achievement_id"],
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": data["achievement_name"],
        "description": data["achievement_description"],
        "criteria": {"narrative": data["criteria"]},
        "alignment": alignments,
        "@language": data["language"],
    }


def _plan_evidence(data: dict) -> dict:
    return {
        "type": ["Evidence"],
        "name": data["plan_name"],
        "genre": "DevelopmentPlan",
        "narrative": data["plan_narrative"],
    }


# --- signing and checking ----------------------------------------------------------------------


@contextmanager
def _eddsa_without_warning() -> Iterator[None]:
    """joserfc warns on every use of "EdDSA": RFC 9864 deprecates that name in favour of
    "Ed25519". We keep it for now: Open Badges 3.0 as we issue it allows EdDSA and verifiers
    know it by that name. Moving the badge to the current Open Badges 3.0 form is the step that
    may change the algorithm; until then exactly this warning is silenced, only around our
    own calls."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="EdDSA is deprecated via RFC 9864", category=SecurityWarning
        )
        yield


def sign(credential_: dict, *, organisation_id: int, key_url: str) -> str:
    """A compact JWS (VC-JWT) over the credential, signed with the organisation's key."""
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": f"{key_url}#{KEY_ID}"}
    key = signing_key(organisation_id)
    with _eddsa_without_warning():  # default_type=None: the header above already has "typ"
        return jwt.encode(header, _claims(credential_), key, registry=REGISTRY, default_type=None)


def _claims(credential_: dict) -> dict:
    return {
        "iss": credential_["issuer"]["id"],
        "jti": credential_["id"],
        "nbf": int(_timestamp(credential_["issuanceDate"])),
        "vc": credential_,
    }


class BadSignature(ValueError):
    """The token is malformed or its signature does not match the key."""


def verify(token: str, jwk: dict) -> dict:
    """Check a VC-JWT against a public JWK; return its claims or raise ``BadSignature``."""
    try:
        key = _public_key(jwk)
        with _eddsa_without_warning():
            return jwt.decode(token.strip(), key, registry=REGISTRY).claims
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise BadSignature(str(error) or "invalid signature") from error


def _public_key(jwk: dict) -> OKPKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise BadSignature("not an Ed25519 JWK")
    return OKPKey.import_key(jwk)
