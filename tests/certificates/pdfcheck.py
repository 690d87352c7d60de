"""Reading an issued certificate back: its text, its links and the QR code's target."""

from __future__ import annotations

import io

import qrcode
from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in reader(pdf).pages)


def link_targets(pdf: bytes) -> set[str]:
    targets = set()
    for page in reader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and action.get("/S") == "/URI":
                targets.add(str(action["/URI"]))
    return targets


def qr_images(pdf: bytes) -> list:
    """The distinct images in the PDF (a tagged PDF may list one image more than once)."""
    found = {}
    for page in reader(pdf).pages:
        for image in page.images:
            found.setdefault(image.data, image.image)
    return list(found.values())


def qr_encodes(image, url: str) -> bool:
    """Does the QR image show exactly the modules of a QR code for ``url``? (Same settings as
    the app: error correction M, quiet zone 4; sampled in the middle of every module.)"""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    grey = image.convert("L")
    if grey.width != grey.height or grey.width % size:
        return False
    box = grey.width // size
    return all(
        (grey.getpixel((x * box + box // 2, y * box + box // 2)) < 128) == matrix[y][x]
        for y in range(size)
        for x in range(size)
    )
