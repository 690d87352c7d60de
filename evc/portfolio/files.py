"""Deciding what an uploaded file is, and cleaning it before it is stored.

The type comes from the content only, never from the file name or the browser's header. Images
are decoded and written again without any metadata (EXIF, GPS, XMP, ICC, comments) and without
whatever was appended after the image; documents are checked but stored as they are. ZIP-based
documents (DOCX, ODT) are judged from the ZIP's central directory and are never extracted.

Pixel bombs: Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, about 89 megapixels: a warning
above it, an error above twice that) is left as it is, globally. On top of it this module refuses
images above ``MAX_PIXELS`` from the header, before any pixel is decoded. Pillow's warning is
treated as an error when the warning filters turn it into one (as pytest does), and is harmless
otherwise because ``MAX_PIXELS`` is lower. Nothing global is changed per upload, so concurrent
uploads in threads cannot disturb each other.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from PIL import Image, ImageOps

from evc.errors import DomainError

ALLOWED = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
EXTENSIONS = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png", "docx": ".docx", "odt": ".odt"}
IMAGE_KINDS = frozenset({"jpeg", "png"})

MAX_PIXELS = 40_000_000  # 40 megapixels: more than any phone camera, far below a pixel bomb
THUMBNAIL_SIZE = (320, 320)
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80

MAX_ZIP_ENTRIES = 2_000
MAX_ZIP_UNCOMPRESSED = 100_000_000  # sum of the declared sizes of all entries
MAX_ZIP_RATIO = 200
# Small entries cannot do harm on their own (the sum above still counts them), and highly
# repetitive XML in an ordinary document can compress very well: the ratio only counts above this.
ZIP_RATIO_FROM_BYTES = 1_000_000

CHUNK = 64 * 1024

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
MAGIC = ((PDF_MAGIC, "pdf"), (JPEG_MAGIC, "jpeg"), (PNG_MAGIC, "png"))


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # key of ALLOWED
    content_type: str
    path: Path  # a temp file holding the bytes to store (re-encoded for images)
    size: int
    sha256: str
    thumbnail: Path | None  # JPEG thumbnail (max 320x320) for images, else None
    is_image: bool


# --- messages (translated when raised) -------------------------------------------------------


def _not_allowed() -> DomainError:
    return DomainError(
        _(
            "Dit soort bestand kan niet. Kies een PDF, foto (JPG of PNG), Word-bestand (DOCX) "
            "of OpenDocument-tekst (ODT)."
        ),
        field="file",
    )


def _unsafe_document() -> DomainError:
    return DomainError(_("Dit bestand is beschadigd of niet veilig."), field="file")


def _bad_image() -> DomainError:
    return DomainError(_("Deze foto is te groot of beschadigd."), field="file")


# --- checking ----------------------------------------------------------------------------------


def check_upload(source: Path, *, max_bytes: int, workdir: Path) -> CheckedFile:
    """Decide the type of ``source`` from its content and return what to store.

    Raises ``DomainError(field="file")`` with a message for the user. For images the returned
    ``path`` and ``thumbnail`` are new temp files in ``workdir`` (removed again if this function
    fails); for documents ``path`` is ``source`` itself. The caller owns all of these files
    (register them with ``evc.storage.discard_on_rollback``).
    """
    source = Path(source)
    _check_size(source, max_bytes)
    kind = _kind_of(source)
    if kind in IMAGE_KINDS:
        return _clean_image(source, kind, Path(workdir))
    return _checked(kind, source, thumbnail=None)


def _check_size(source: Path, max_bytes: int) -> None:
    size = source.stat().st_size
    if size == 0:
        raise DomainError(_("Het bestand is leeg."), field="file")
    if size > max_bytes:
        raise DomainError(
            _(
                "Het bestand is te groot. Het mag hoogstens %(mb)d MB zijn.",
                mb=max(1, max_bytes // 1_000_000),
            ),
            field="file",
        )


def _kind_of(source: Path) -> str:
    """The type from the first bytes; a ZIP is judged further from its directory."""
    with source.open("rb") as handle:
        head = handle.read(8)
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(source)
    raise _not_allowed()


def _checked(kind: str, path: Path, *, thumbnail: Path | None) -> CheckedFile:
    """What to store: the file at ``path`` with its size and hash (and an image's thumbnail)."""
    return CheckedFile(
        kind=kind,
        content_type=ALLOWED[kind],
        path=path,
        size=path.stat().st_size,
        sha256=sha256_of(path),
        thumbnail=thumbnail,
        is_image=kind in IMAGE_KINDS,
    )


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in 64 kB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# What reading the directory of a broken or hostile ZIP can raise.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,  # unknown compression method
    RuntimeError,  # encrypted entry
    zlib.error,
    struct.error,
)


def _zip_kind(source: Path) -> str:
    """``"docx"`` or ``"odt"``, judged from the central directory; nothing is extracted."""
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
            _check_zip_entries(entries)
            kind = _document_kind(archive, entries)
    except DomainError:
        raise
    except ZIP_ERRORS as error:
        raise _unsafe_document() from error
    if kind is None:
        raise _not_allowed()
    return kind


def _check_zip_entries(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse a ZIP bomb from the declared sizes: too many entries, an entry that compresses
    too well, or too much in total. An empty ZIP is no document."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _unsafe_document()
    if not entries:
        raise _not_allowed()
    if any(_too_compressed(entry) for entry in entries):
        raise _unsafe_document()
    if sum(entry.file_size for entry in entries) > MAX_ZIP_UNCOMPRESSED:
        raise _unsafe_document()


def _too_compressed(entry: zipfile.ZipInfo) -> bool:
    size = entry.file_size
    return size > ZIP_RATIO_FROM_BYTES and size > MAX_ZIP_RATIO * max(entry.compress_size, 1)


def _document_kind(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> str | None:
    """ODT starts with its ``mimetype`` entry; DOCX has content types and a ``word/`` folder."""
    first = entries[0]
    if first.filename == "mimetype" and first.file_size == len(ODT_MIMETYPE):
        with archive.open(first) as handle:
            if handle.read(len(ODT_MIMETYPE) + 1) == ODT_MIMETYPE:
                return "odt"
    names = [entry.filename for entry in entries]
    if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
        return "docx"
    return None


SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "jpeg": {"format": "JPEG", "quality": JPEG_QUALITY},
    "png": {"format": "PNG", "optimize": True},
}


def _clean_image(source: Path, kind: str, workdir: Path) -> CheckedFile:
    """Decode, turn upright, and write again without metadata; make a JPEG thumbnail."""
    made: list[Path] = []
    try:
        stored, thumbnail = _write_clean(source, kind, workdir, made)
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        raise
    return _checked(kind, stored, thumbnail=thumbnail)


def _write_clean(source: Path, kind: str, workdir: Path, made: list[Path]) -> tuple[Path, Path]:
    """The cleaned image and its thumbnail, written to new temp files listed in ``made``."""
    try:
        image = _storable(_decode(source, kind), kind)
        stored = _new_temp(workdir, EXTENSIONS[kind], made)
        image.save(stored, **SAVE_OPTIONS[kind])
        thumbnail = _new_temp(workdir, ".jpg", made)
        _thumbnail(image).save(thumbnail, format="JPEG", quality=THUMBNAIL_QUALITY)
    except DomainError:
        raise
    except Exception as error:  # any failure of the decoder or encoder on untrusted input
        raise _bad_image() from error
    return stored, thumbnail


def _storable(image: Image.Image, kind: str) -> Image.Image:
    """A JPEG holds colour (RGB) or grey only: other modes (CMYK, YCbCr, ...) are converted."""
    if kind == "jpeg" and image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    return image


# WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES
# when it is imported, after which Pillow fills a cut-off image with grey instead of failing;
# so completeness is checked here, independent of that global.
# (start of the image data, end of the image): a complete file has an end after the last start.
# An EXIF thumbnail inside a JPEG has its own markers, but they come before the main scan.
MARKERS = {"jpeg": (b"\xff\xda", b"\xff\xd9"), "png": (b"IDAT", b"IEND")}


def _is_complete(source: Path, kind: str) -> bool:
    """Is there an end marker after the last start of image data (read in chunks)?"""
    start_marker, end_marker = MARKERS[kind]
    last_start = last_end = -1
    offset, tail = 0, b""
    with source.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            window, base = tail + chunk, offset - len(tail)
            if (found := window.rfind(start_marker)) >= 0:
                last_start = max(last_start, base + found)
            if (found := window.rfind(end_marker)) >= 0:
                last_end = max(last_end, base + found)
            offset += len(chunk)
            tail = window[-3:]
    return last_start >= 0 and last_end > last_start


def _decode(source: Path, kind: str) -> Image.Image:
    """The upright pixels of ``source``, with every piece of metadata dropped."""
    if not _is_complete(source, kind):
        raise _bad_image()
    with Image.open(source, formats=[kind.upper()]) as original:
        width, height = original.size
        if width < 1 or height < 1 or width * height > MAX_PIXELS:
            raise _bad_image()
        original.load()  # a truncated or corrupt file fails here
        image = ImageOps.exif_transpose(original)
    if kind == "png":
        if "transparency" in image.info and image.mode in ("P", "L", "RGB"):
            # The convert applies the transparency; afterwards it lives in the alpha channel.
            image = image.convert("RGBA" if image.mode != "L" else "LA")
        elif image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
    image.info.clear()  # EXIF, GPS, XMP, ICC, comments, text chunks: none of it is written
    return image


def _thumbnail(image: Image.Image) -> Image.Image:
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    if thumb.mode in ("I", "I;16", "F"):  # 16-bit grey: scale down to 8 bits
        thumb = thumb.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if thumb.mode in ("RGBA", "LA", "P", "PA"):
        thumb = thumb.convert("RGBA")
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        return background
    return thumb if thumb.mode in ("RGB", "L") else thumb.convert("RGB")


def _new_temp(workdir: Path, suffix: str, made: list[Path]) -> Path:
    fd, name = tempfile.mkstemp(dir=workdir, prefix="upload-", suffix=suffix)
    os.close(fd)
    path = Path(name)
    made.append(path)
    return path
