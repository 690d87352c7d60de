"""Each organisation's Ed25519 signing key, made on first use in ``KEY_DIR`` (``instance/keys``).

The private key never leaves that folder (file mode 0600, never in the repository); the public
key is published as a JWK at a stable URL of the app, so anyone can check a signed badge.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_dir() -> Path:
    configured = current_app.config.get("KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "keys"


def _path(organisation_id: int) -> Path:
    return key_dir() / f"organisation-{int(organisation_id)}-ed25519.pem"


def signing_key(organisation_id: int) -> Ed25519PrivateKey:
    """The organisation's private key; generated (0600) when it does not exist yet."""
    path = _path(organisation_id)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            # O_EXCL: two workers making the first key at once keep the one written first.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds no Ed25519 signing key")
    return key


def public_key(organisation_id: int) -> Ed25519PublicKey:
    return signing_key(organisation_id).public_key()


def public_jwk(organisation_id: int, kid: str) -> dict:
    """The public key as a JSON Web Key (RFC 8037, OKP / Ed25519)."""
    raw = public_key(organisation_id).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": kid, "alg": "EdDSA"}


def key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 JWK")
    return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
