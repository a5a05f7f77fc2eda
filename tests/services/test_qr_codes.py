"""The QR encoder and the labelled PNGs: standard codes that decode, sharp 300 dpi labels, safe file names."""

from __future__ import annotations

import io
import random
import string
from pathlib import Path

import numpy as np
import pytest
import qrcode
import zxingcpp
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, QRData

from firmdesk.domain.qr_matrix import PayloadTooLong, data_capacity, qr_matrix, version_for
from firmdesk.services import qr_codes
from firmdesk.services.qr_codes import (
    FontMissing,
    LabelRenderer,
    png_1bit,
    qr_png,
    read_png_1bit,
)
from firmdesk.services.qr_labels import QrLabel, labels_for

URL = "https://cmis.example.cn/v/Qk3x9_aZ-0bT7uYw2LmN4g"


def decode(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as image:
        return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


@pytest.fixture(scope="module")
def renderer() -> LabelRenderer:
    if qr_codes.find_cjk_font() is None:
        pytest.skip("needs a font with Chinese glyphs (apt-get install fonts-wqy-microhei)")
    return LabelRenderer()


@pytest.mark.parametrize("version", range(1, 41))
def test_matrix_is_module_for_module_what_the_qrcode_library_makes(version: int) -> None:
    rnd = random.Random(version)
    for mask in (0, 2, 5, 7):
        text = "".join(
            rnd.choice(string.ascii_letters + "/:.-_") for _ in range(rnd.randint(1, data_capacity(version) - 3))
        )
        reference = qrcode.QRCode(
            version=version, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=mask, border=0
        )
        reference.add_data(QRData(text.encode(), mode=MODE_8BIT_BYTE))
        reference.make(fit=False)
        assert np.array_equal(qr_matrix(text, version=version, mask=mask), np.array(reference.modules, dtype=bool))


@pytest.mark.parametrize(
    "text",
    [URL, "a", "http://127.0.0.1:8000/v/x", "https://cmis.example.cn/v/" + "z" * 200, "二维码 张三 500100280007"],
)
def test_codes_of_any_length_and_utf8_text_decode(text: str) -> None:
    assert decode(qr_png(text)) == [text]


def test_the_smallest_version_that_fits_is_chosen_and_too_much_is_refused() -> None:
    assert version_for(b"x" * 14) == 1  # 14 bytes fit version 1-M exactly
    assert version_for(b"x" * 15) == 2
    with pytest.raises(PayloadTooLong):
        qr_matrix("x" * 3000)
    with pytest.raises(PayloadTooLong):
        qr_matrix(URL, version=1)


def test_png_is_one_bit_300_dpi_with_whole_pixels_per_module() -> None:
    png = qr_png(URL, module_px=8)
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "1"
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        modules = qr_matrix(URL).shape[0] + 8
        assert image.size == (modules * 8, modules * 8)


def test_png_writer_and_reader_round_trip_any_width() -> None:
    dark = np.random.default_rng(1).random((13, 37)) > 0.5
    png = png_1bit(dark)
    with Image.open(io.BytesIO(png)) as image:
        assert np.array_equal(~np.asarray(image, dtype=bool), dark)
    assert np.array_equal(read_png_1bit(png), dark)
    other = io.BytesIO()
    Image.fromarray(~dark).convert("L").save(other, "PNG")  # 8-bit, filtered: read through Pillow
    assert np.array_equal(read_png_1bit(other.getvalue()), dark)


def test_label_decodes_to_the_url_and_carries_the_text_under_the_code(renderer: LabelRenderer) -> None:
    label = QrLabel(URL, "张三", "500100280007")
    png = renderer.render_png(label)
    assert decode(png) == [URL]
    with Image.open(io.BytesIO(png)) as image:
        side = image.width
        assert image.height == side + renderer.style.text_height_px
        dark = ~np.asarray(image, dtype=bool)
    text_band = dark[side - renderer.style.module_px :]
    assert text_band.sum() > 500  # two lines of glyphs
    # The cert number line differs between labels that differ only in it.
    other = renderer.render(QrLabel(URL, "张三", "500100280008"))
    assert not np.array_equal(renderer.render(label), other)
    assert np.array_equal(renderer.render(label)[: side - 8], other[: side - 8])


def test_chinese_glyphs_are_drawn_not_empty_boxes(renderer: LabelRenderer) -> None:
    # Two different characters give two different bitmaps (a missing glyph renders the same box).
    glyphs = renderer._glyphs(renderer.style.name_px)
    assert not np.array_equal(glyphs.glyph("张").bitmap, glyphs.glyph("李").bitmap)


def test_a_long_name_is_made_to_fit_inside_the_label(renderer: LabelRenderer) -> None:
    name = "阿卜杜热合曼·买买提江·艾合买提尼亚孜"
    image = renderer.render(QrLabel(URL, name, "500100280007"))
    margin = renderer.style.module_px
    assert not image[:, :margin].any() and not image[:, -margin:].any()
    assert decode(renderer.render_png(QrLabel(URL, name, "500100280007"))) == [URL]


def test_file_names_are_cert_then_name_and_safe_on_windows() -> None:
    assert QrLabel(URL, "张三", "500100280007").file_name == "500100280007_张三.png"
    unsafe = QrLabel(URL, 'a<b>c:d"e/f\\g|h?i*j', "500100280007").file_name
    assert not set('<>:"/\\|?*') & set(unsafe)
    assert unsafe.endswith(".png") and unsafe.startswith("500100280007_")


def test_labels_for_rows_keep_their_order() -> None:
    class Row:
        def __init__(self, cert_no: str, name: str) -> None:
            self.cert_no, self.name = cert_no, name

    rows = [Row("2", "乙"), Row("1", "甲")]
    labels = labels_for(rows, lambda r: f"https://x/v/{r.cert_no}")
    assert [(label.cert_no, label.url) for label in labels] == [("2", "https://x/v/2"), ("1", "https://x/v/1")]


def test_cache_key_changes_with_any_input(renderer: LabelRenderer) -> None:
    base = QrLabel(URL, "张三", "500100280007")
    keys = {
        renderer.cache_key(label)
        for label in (
            base,
            QrLabel(URL + "x", "张三", "500100280007"),
            QrLabel(URL, "张四", "500100280007"),
            QrLabel(URL, "张三", "500100280008"),
        )
    }
    assert len(keys) == 4
    assert renderer.cache_key(base) == LabelRenderer(renderer.font_path).cache_key(base)


def test_without_a_chinese_font_the_renderer_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(qr_codes, "_FONT_CANDIDATES", ())
    monkeypatch.setenv(qr_codes.FONT_ENV, str(tmp_path / "missing.ttf"))
    with pytest.raises(FontMissing) as raised:
        LabelRenderer()
    assert "字体" in raised.value.message
