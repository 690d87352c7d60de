"""The certificate as a PDF: plain data in, bytes out.

The HTML comes from a Jinja template with autoescaping, so user text (a display name such as
``<img src="file:///etc/passwd">``) prints literally. WeasyPrint may fetch only files under
``static/`` and the ``data:`` URL of the QR code we make ourselves: no ``file:`` elsewhere and no
network. The PDF is tagged (PDF/UA-1) and carries a title, author and language.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
TEMPLATE = "certificates/pdf.html"


class StaticOnlyFetcher(URLFetcher):
    """Serves files below ``static/`` and ``data:`` URLs; refuses everything else."""

    def __init__(self, static_root: Path):
        super().__init__(allowed_protocols={"data"}, timeout=1)
        self.root = Path(static_root).resolve()

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, path.read_bytes(), headers={"Content-Type": mimetype}
                )
        logger.warning("certificate PDF: refused to fetch %r", url[:200])
        raise ValueError("this URL may not be fetched for a certificate")


def certificate_html(data: dict) -> str:
    """The HTML of the certificate in ``data["language"]``, from plain values only."""
    with force_locale(data["language"]):
        return render_template(TEMPLATE, data=data)


def static_root() -> Path:
    folder = current_app.static_folder
    if folder is None:
        raise RuntimeError("The app has no static folder to take the certificate's files from.")
    return Path(folder)


def render_pdf(html: str) -> bytes:
    """Render the certificate HTML with the locked fetcher."""
    root = static_root()
    return HTML(
        string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root)
    ).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
