"""Upload checks: the type comes from the content; images are cleaned; bombs are refused."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from evc.errors import DomainError
from evc.portfolio.filenames import content_disposition, safe_display_name
from evc.portfolio.files import (
    ALLOWED,
    EXTENSIONS,
    CheckedFile,
    check_upload,
)

MB = 1_000_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX = 20 * MB

NOT_ALLOWED = (
    "Dit soort bestand kan niet. Kies een PDF, foto (JPG of PNG), Word-bestand (DOCX) "
    "of OpenDocument-tekst (ODT)."
)
UNSAFE = "Dit bestand is beschadigd of niet veilig."
BAD_IMAGE = "Deze foto is te groot of beschadigd."
EMPTY = "Het bestand is leeg."

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"0000000115 00000 n \ntrailer << /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n"
)
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)
DOCUMENT_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Verklaring</w:t></w:r></w:p></w:body></w:document>"
)


@pytest.fixture
def workdir(tmp_path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(source: Path, workdir: Path, max_bytes: int = MAX) -> str:
    with pytest.raises(DomainError) as caught:
        check_upload(source, max_bytes=max_bytes, workdir=workdir)
    assert caught.value.field == "file"
    assert list(workdir.iterdir()) == [], "a refused upload leaves no temp files"
    return str(caught.value.message)


def make_docx(path: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", DOCUMENT_XML)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def make_odt(path: Path, mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", b"<manifest:manifest/>")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- accepted types ------------------------------------------------------------------------


def test_pdf_is_accepted_as_it_is(tmp_path, workdir):
    source = write(tmp_path, "verklaring.bin", MINIMAL_PDF)
    checked = check_upload(source, max_bytes=MAX, workdir=workdir)
    assert checked == CheckedFile(
        kind="pdf",
        content_type="application/pdf",
        path=source,
        size=len(MINIMAL_PDF),
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
        thumbnail=None,
        is_image=False,
    )
    assert list(workdir.iterdir()) == []


def test_docx_and_odt_are_recognised_from_their_zip_content(tmp_path, workdir):
    docx = make_docx(tmp_path / "a.pdf")  # the name does not matter
    odt = make_odt(tmp_path / "b.docx")
    checked_docx = check_upload(docx, max_bytes=MAX, workdir=workdir)
    checked_odt = check_upload(odt, max_bytes=MAX, workdir=workdir)
    assert (checked_docx.kind, checked_docx.content_type) == ("docx", ALLOWED["docx"])
    assert (checked_odt.kind, checked_odt.content_type) == ("odt", ALLOWED["odt"])
    assert checked_docx.path == docx and checked_docx.sha256 == sha256(docx)
    assert checked_odt.size == odt.stat().st_size and not checked_odt.is_image


def test_large_document_hash_is_streamed_correctly(tmp_path, workdir):
    data = MINIMAL_PDF + bytes(range(256)) * 1000  # several 64 kB chunks
    source = write(tmp_path, "big.pdf", data)
    assert check_upload(source, max_bytes=MAX, workdir=workdir).sha256 == (
        hashlib.sha256(data).hexdigest()
    )


# --- refused types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"<html><body><script>alert(1)</script></body></html>", id="html"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell-script"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(1)</script></svg>",
            id="svg",
        ),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", id="gif"),
        pytest.param(b" %PDF-1.4 but not at the start", id="pdf-not-at-start"),
        pytest.param(b"PK\x05\x06" + bytes(18), id="empty-zip"),
    ],
)
def test_other_content_is_refused_whatever_its_name(tmp_path, workdir, data):
    assert refused(write(tmp_path, "verklaring.pdf", data), workdir) == NOT_ALLOWED


def test_real_gif_is_refused(tmp_path, workdir):
    path = tmp_path / "foto.jpg"
    Image.new("RGB", (10, 10), "red").save(path, format="GIF")
    assert refused(path, workdir) == NOT_ALLOWED


def test_other_zips_are_refused(tmp_path, workdir):
    xlsx = tmp_path / "sheet.docx"
    with zipfile.ZipFile(xlsx, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    assert refused(xlsx, workdir) == NOT_ALLOWED
    wrong_mimetype = make_odt(tmp_path / "x.odt", b"application/vnd.oasis.opendocument.texts")
    assert refused(wrong_mimetype, workdir) == NOT_ALLOWED
    mimetype_not_first = tmp_path / "y.odt"
    with zipfile.ZipFile(mimetype_not_first, "w") as archive:
        archive.writestr("content.xml", b"<x/>")
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text")
    assert refused(mimetype_not_first, workdir) == NOT_ALLOWED


def test_empty_file(tmp_path, workdir):
    assert refused(write(tmp_path, "leeg.pdf", b""), workdir) == EMPTY


def test_too_large(tmp_path, workdir):
    path = write(tmp_path, "groot.pdf", MINIMAL_PDF)
    with path.open("r+b") as handle:
        handle.truncate(2 * MB + 1)  # sparse: costs no time
    assert refused(path, workdir, max_bytes=2 * MB) == (
        "Het bestand is te groot. Het mag hoogstens 2 MB zijn."
    )
    assert check_upload(path, max_bytes=2 * MB + 1, workdir=workdir).kind == "pdf"


# --- ZIP bombs and broken zips -------------------------------------------------------------


def test_zip_entry_with_a_huge_compression_ratio_is_refused(tmp_path, workdir):
    path = make_docx(tmp_path / "bomb.docx", {"word/media/zeros.bin": bytes(20 * MB)})
    assert path.stat().st_size < 100_000
    assert refused(path, workdir) == UNSAFE


def _declare_sizes(data: bytes, sizes: dict[str, int]) -> bytes:
    """Change the uncompressed sizes that the central directory declares for some entries."""
    out = bytearray(data)
    position = out.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", out, position + 28)[0]
        name = bytes(out[position + 46 : position + 46 + name_length]).decode()
        if name in sizes:
            struct.pack_into("<I", out, position + 24, sizes[name])
        position = out.find(b"PK\x01\x02", position + 46)
    return bytes(out)


def test_zip_declaring_more_than_100_mb_in_total_is_refused(tmp_path, workdir):
    # Two stored entries of 600 kB each that claim 60 MB each: every ratio is 100 (allowed),
    # the total of 120 MB is not. Only the central directory is read, nothing is unpacked.
    buffer = io.BytesIO()
    noise = hashlib.sha256(b"seed").digest() * (600_000 // 32)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", DOCUMENT_XML)
        archive.writestr("word/media/a.bin", noise)
        archive.writestr("word/media/b.bin", noise)
    sizes = {"word/media/a.bin": 60 * MB, "word/media/b.bin": 60 * MB}
    path = write(tmp_path, "total.docx", _declare_sizes(buffer.getvalue(), sizes))
    with zipfile.ZipFile(path) as archive:  # the forged directory is what zipfile sees
        assert sum(info.file_size for info in archive.infolist()) > 100 * MB
    assert refused(path, workdir) == UNSAFE


def test_zip_with_too_many_entries_is_refused(tmp_path, workdir):
    path = make_docx(
        tmp_path / "many.docx", {f"word/media/{number}.xml": b"" for number in range(1_999)}
    )
    with zipfile.ZipFile(path) as archive:
        assert len(archive.infolist()) == 2_001
    assert refused(path, workdir) == UNSAFE
    fine = make_docx(
        tmp_path / "enough.docx", {f"word/media/{number}.xml": b"" for number in range(1_998)}
    )
    assert check_upload(fine, max_bytes=MAX, workdir=workdir).kind == "docx"


def test_corrupt_zip_is_refused(tmp_path, workdir):
    good = make_docx(tmp_path / "good.docx").read_bytes()
    assert refused(write(tmp_path, "cut.docx", good[: len(good) // 2]), workdir) == UNSAFE
    assert refused(write(tmp_path, "junk.docx", b"PK\x03\x04" + bytes(200)), workdir) == UNSAFE


# --- images ------------------------------------------------------------------------------------


def test_jpeg_loses_exif_gps_and_comments(tmp_path, workdir):
    exif = Image.Exif()
    exif[0x010F] = "Telefoonmerk"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 5.0, 30.0)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 10.0)
    source = tmp_path / "foto.jpg"
    Image.new("RGB", (400, 300), (20, 120, 200)).save(
        source, format="JPEG", exif=exif, comment=b"thuisadres", icc_profile=b"fake-icc" * 10
    )
    with Image.open(source) as original:  # the test image really carries the metadata
        assert original.getexif().get_ifd(0x8825)
        assert "icc_profile" in original.info and "comment" in original.info

    checked = check_upload(source, max_bytes=MAX, workdir=workdir)
    assert (checked.kind, checked.content_type, checked.is_image) == ("jpeg", "image/jpeg", True)
    assert checked.path.parent == workdir and checked.path != source
    data = checked.path.read_bytes()
    assert b"Exif" not in data and b"thuisadres" not in data and b"fake-icc" not in data
    assert b"Telefoonmerk" not in data
    with Image.open(checked.path) as stored:
        assert stored.format == "JPEG" and stored.size == (400, 300)
        assert len(stored.getexif()) == 0
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(stored.info)
    assert checked.size == len(data) and checked.sha256 == hashlib.sha256(data).hexdigest()


def test_orientation_is_kept_and_thumbnail_is_small(tmp_path, workdir):
    # Left half red, right half blue; orientation 6 means "turn 90 degrees clockwise to view".
    image = Image.new("RGB", (1000, 600), (255, 0, 0))
    image.paste((0, 0, 255), (500, 0, 1000, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    source = tmp_path / "staand.jpg"
    image.save(source, format="JPEG", exif=exif)

    checked = check_upload(source, max_bytes=MAX, workdir=workdir)
    with Image.open(checked.path) as stored:
        assert stored.size == (600, 1000)
        assert 0x0112 not in stored.getexif()
        top, bottom = stored.getpixel((300, 100)), stored.getpixel((300, 900))
        assert top[0] > 200 and top[2] < 60, "the left (red) half is now on top"
        assert bottom[2] > 200 and bottom[0] < 60
    assert checked.thumbnail is not None and checked.thumbnail.parent == workdir
    with Image.open(checked.thumbnail) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (192, 320)


def test_png_loses_appended_data_and_text_chunks(tmp_path, workdir):
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "geheime notitie")
    source = tmp_path / "scan.png"
    Image.new("RGBA", (50, 40), (0, 128, 0, 100)).save(source, format="PNG", pnginfo=text)
    with source.open("ab") as handle:
        handle.write(b"<script>alert(1)</script>" + b"PK\x03\x04 hidden zip")

    checked = check_upload(source, max_bytes=MAX, workdir=workdir)
    data = checked.path.read_bytes()
    assert checked.kind == "png" and checked.path.suffix == ".png"
    assert data.endswith(b"IEND\xaeB`\x82")
    assert b"<script>" not in data and b"geheime" not in data
    with Image.open(checked.path) as stored:
        assert stored.mode == "RGBA" and stored.size == (50, 40)
        assert stored.getpixel((0, 0)) == (0, 128, 0, 100)
    assert checked.size == len(data) and checked.sha256 == hashlib.sha256(data).hexdigest()
    with Image.open(checked.thumbnail) as thumb:
        assert thumb.format == "JPEG" and thumb.mode == "RGB" and thumb.size == (50, 40)


@pytest.mark.parametrize(
    ("mode", "kind", "stored_mode"),
    [("CMYK", "JPEG", "RGB"), ("L", "JPEG", "L"), ("P", "PNG", "P"), ("I;16", "PNG", "I;16")],
)
def test_image_modes(tmp_path, workdir, mode, kind, stored_mode):
    source = tmp_path / f"image.{kind.lower()}"
    Image.new(mode, (30, 20)).save(source, format=kind)
    checked = check_upload(source, max_bytes=MAX, workdir=workdir)
    with Image.open(checked.path) as stored:
        assert stored.format == kind and stored.mode == stored_mode
    with Image.open(checked.thumbnail) as thumb:
        assert thumb.mode in ("RGB", "L")


def test_palette_png_with_transparency_stays_transparent(tmp_path, workdir):
    source = tmp_path / "logo.png"
    image = Image.new("P", (10, 10), 0)
    image.putpalette([255, 255, 255, 0, 0, 0])
    image.info["transparency"] = 0
    image.save(source, format="PNG", transparency=0)
    checked = check_upload(source, max_bytes=MAX, workdir=workdir)
    with Image.open(checked.path) as stored:
        assert stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0


def black_and_white_png(path: Path, size: int) -> Path:
    """A valid 1-bit PNG of size x size pixels, all black, written directly (quicker than
    Pillow's encoder for the largest ones)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    pixels = zlib.compress(bytes((size + 7) // 8 + 1) * size, 6)  # filter byte + row, per row
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    path.write_bytes(
        PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


@pytest.fixture(scope="module")
def pixel_bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    large = folder / "large.png"  # 49 megapixels: only our own, lower limit stops it
    Image.new("1", (7_000, 7_000)).save(large, format="PNG")
    # 100 megapixels: over Pillow's warning limit (an error under pytest) as well.
    huge = black_and_white_png(folder / "huge.png", 10_000)
    # 196 megapixels: Pillow itself raises DecompressionBombError.
    giant = black_and_white_png(folder / "giant.png", 14_000)
    return large, huge, giant


def test_generated_bomb_is_a_real_png(tmp_path):
    path = black_and_white_png(tmp_path / "small.png", 20)
    with Image.open(path) as image:
        image.load()
        assert image.size == (20, 20) and image.mode == "1" and image.getextrema() == (0, 0)


def test_pixel_bombs_are_refused(pixel_bombs, workdir):
    for bomb in pixel_bombs:
        assert bomb.stat().st_size < 1 * MB
        assert refused(bomb, workdir) == BAD_IMAGE


def test_truncated_and_corrupt_images_are_refused(tmp_path, workdir):
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(buffer, format="JPEG")
    data = buffer.getvalue()
    assert refused(write(tmp_path, "half.jpg", data[: len(data) // 2]), workdir) == BAD_IMAGE
    garbage = b"\xff\xd8\xff\xe0" + bytes(100)
    assert refused(write(tmp_path, "garbage.jpg", garbage), workdir) == BAD_IMAGE
    png = io.BytesIO()
    Image.new("RGB", (20, 20)).save(png, format="PNG")
    broken = png.getvalue()[:40] + b"\x00" * 30
    assert refused(write(tmp_path, "broken.png", broken), workdir) == BAD_IMAGE


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\x\\foto.jpg", "jpeg", "foto.jpg"),
        ("IMG_0001.JPEG", "jpeg", "IMG_0001.JPEG"),
        ("a\r\nb.pdf", "pdf", "a b.pdf"),
        ("nul\x00teken\x7f.pdf", "pdf", "nul teken .pdf"),
        ("   ..  ", "pdf", "bestand.pdf"),
        ("", "docx", "bestand.docx"),
        (None, "jpeg", "bestand.jpg"),
        ("dir/", "odt", "bestand.odt"),
        ("Verklaring coördinator café.pdf", "pdf", "Verklaring coördinator café.pdf"),
        ("  veel   ruimte\t.docx ", "docx", "veel ruimte .docx"),
        ("factuur\u202egpj.pdf", "pdf", "factuurgpj.pdf"),  # right-to-left override removed
        ("rapport.html", "pdf", "rapport.html.pdf"),  # the extension always fits the content
    ],
)
def test_safe_display_name(name, kind, expected):
    assert safe_display_name(name, kind) == expected


def test_safe_display_name_composes_decomposed_letters():
    assert safe_display_name("cafe\u0301.pdf", "pdf") == "café.pdf"


def test_long_names_keep_their_extension():
    name = safe_display_name("ë" * 300 + ".docx", "docx")
    assert len(name) == 150 and name.endswith("ë.docx")
    assert safe_display_name("x" * 149 + ".png", "png") == "x" * 146 + ".png"


@pytest.mark.parametrize(
    "name",
    [
        'a"; filename="evil.html',
        "regel\r\nSet-Cookie: x=1.pdf",
        "Verklaring coördinator café.pdf",
        "50% korting; echt\\waar.pdf",
        "日本語の証明書.pdf",
        "",
    ],
)
def test_content_disposition_is_one_safe_header_line(name):
    value = content_disposition(name)
    assert "\r" not in value and "\n" not in value
    assert value.isascii()
    assert value.startswith('attachment; filename="')
    head, star = value.split("; filename*=UTF-8''")
    fallback = head.removeprefix('attachment; filename="').removesuffix('"')
    assert not set(fallback) & set('"\\;%'), "the fallback cannot end the quoted string"
    assert ";" not in star and '"' not in star and " " not in star
    expected = " ".join(name.replace("\r", " ").replace("\n", " ").split()) or "bestand"
    assert unquote(star, encoding="utf-8", errors="strict") == expected


def test_content_disposition_fallback_keeps_letters_without_accents():
    value = content_disposition("Verklaring coördinator café.pdf")
    assert 'filename="Verklaring coordinator cafe.pdf"' in value
    assert "filename*=UTF-8''Verklaring%20co%C3%B6rdinator%20caf%C3%A9.pdf" in value


def test_every_kind_has_an_extension():
    assert set(EXTENSIONS) == set(ALLOWED)
