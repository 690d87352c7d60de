"""Each organisation's Ed25519 signing key, made on first use in ``KEY_DIR`` (``instance/keys``).

The private key never leaves that folder (file mode 0600, never in the repository); the public
key is published as a JWK at a stable URL of the app, so anyone can check a signed badge.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from joserfc.jwk import OKPKey

ALGORITHM = "EdDSA"  # the JWS algorithm of the badges (Ed25519 keys)


def key_dir() -> Path:
    configured = current_app.config.get("KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "keys"


def _path(organisation_id: int) -> Path:
    return key_dir() / f"organisation-{int(organisation_id)}-ed25519.pem"


def signing_key(organisation_id: int) -> OKPKey:
    """The organisation's private key; generated (0600) when it does not exist yet."""
    path = _path(organisation_id)
    if not path.exists():
        _write_new_key(path)
    return OKPKey.import_key(path.read_bytes())


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = _new_pem()
    try:
        # O_EXCL: two workers making the first key at once keep the one written first.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _new_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_jwk(organisation_id: int, kid: str) -> dict:
    """The public key as a JSON Web Key (RFC 8037, OKP / Ed25519)."""
    return dict(signing_key(organisation_id).as_dict(private=False, kid=kid, alg=ALGORITHM))
