"""QR codes as PNG data URIs: they show in a page under the Content-Security-Policy
(``img-src 'self' data:``) and in a PDF without any file or network fetch."""

from __future__ import annotations

import base64
import io

import qrcode
from qrcode.image.pil import PilImage


def qr_data_uri(data: str) -> str:
    """A PNG QR code (error correction M) for ``data``, as a data URI."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=8,
        border=4,
        image_factory=PilImage,
    )
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
