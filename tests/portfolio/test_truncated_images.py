"""Cut-off images are refused even after WeasyPrint switched Pillow to accept them.

Importing WeasyPrint sets Pillow's global ``LOAD_TRUNCATED_IMAGES``; from then on Pillow fills a
cut-off image with grey. In production WeasyPrint is always imported, so the check must not
depend on that global.
"""

import io

import pytest
import weasyprint  # noqa: F401  (sets LOAD_TRUNCATED_IMAGES, as in production)
from PIL import Image

from evc.errors import DomainError
from evc.portfolio.files import check_upload


def test_truncated_jpeg_refused_even_after_weasyprint(tmp_path):
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    buf = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(buf, format="JPEG")
    data = buf.getvalue()
    (tmp_path / "w").mkdir()
    p = tmp_path / "half.jpg"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(DomainError):
        check_upload(p, max_bytes=10**8, workdir=tmp_path / "w")
    p.write_bytes(data + b"trailing junk")
    ok = check_upload(p, max_bytes=10**8, workdir=tmp_path / "w")
    assert ok.is_image
    buf = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buf, format="PNG")
    png = buf.getvalue()
    p2 = tmp_path / "cut.png"
    p2.write_bytes(png[:-20])
    with pytest.raises(DomainError):
        check_upload(p2, max_bytes=10**8, workdir=tmp_path / "w")
