"""Labelled QR code images: the verification URL in, a print-sharp PNG (QR, name, certificate number) out.

Speed matters (a firm prints thousands; about 0.3 ms a label here): the matrix comes from `qr_matrix`
(one fixed mask), a module is a whole number of pixels (8 at 300 dpi, so the print is sharp and a module
is one byte of a packed 1-bit row), each character's glyph is rasterised once by Pillow/FreeType and then
ORed into place, and the 1-bit PNG is written directly (Pillow's 8-bit PNG writer with adaptive filters
costs 3 ms a label).
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import sys
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from firmdesk.domain.qr_matrix import qr_matrix
from firmdesk.services.errors import ServiceError
from firmdesk.services.qr_labels import QrLabel

#: Bump when the look of a label changes: cached images made before are then rendered anew.
RENDER_VERSION = 1
#: Environment variable naming a font file with Chinese glyphs, tried before the system's.
FONT_ENV = "FIRMDESK_CJK_FONT"

_FONT_CANDIDATES = (
    # Windows
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/msyh.ttf",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    # Debian/Ubuntu and other Linux
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    # macOS
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
)


class FontMissing(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "找不到可显示中文的字体（如 微软雅黑、文泉驿微米黑），无法在二维码下方打印姓名；"
            f"请安装中文字体，或用环境变量 {FONT_ENV} 指定字体文件"
        )


@dataclass(frozen=True)
class LabelStyle:
    """Sizes in printer pixels at `dpi`: 8 px a module is 0.68 mm, which phones read easily."""

    dpi: int = 300
    module_px: int = 8
    quiet_modules: int = 4
    name_px: int = 40  # about 9.6 pt
    cert_px: int = 30  # about 7.2 pt
    min_name_px: int = 24
    text_height_px: int = 84


def find_cjk_font() -> Path | None:
    """A font file with Chinese glyphs: `$FIRMDESK_CJK_FONT`, then well-known system fonts."""
    override = os.environ.get(FONT_ENV, "").strip()
    candidates = [override] if override else []
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", "C:/Windows")
        candidates += [f"{windir}/Fonts/msyh.ttc", f"{windir}/Fonts/simhei.ttf"]
    candidates += _FONT_CANDIDATES
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def _font_index(path: Path) -> int:
    # Noto's CJK collections start with the Japanese face; index 2 is Simplified Chinese.
    return 2 if path.suffix.lower() == ".ttc" and "CJK" in path.name else 0


def label_font(path: Path | str, size: int) -> ImageFont.FreeTypeFont:
    """The font at `path` in `size` pixels, loaded once per process."""
    return _font(str(path), size)


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    # The basic layout is 2-3x faster than raqm, and Chinese names need no complex shaping.
    return ImageFont.truetype(path, size, index=_font_index(Path(path)), layout_engine=ImageFont.Layout.BASIC)


def png_1bit(dark: np.ndarray, dpi: int = 300, compress_level: int = 1) -> bytes:
    """A 1-bit grayscale PNG of a boolean image (True = black) that says its resolution (pHYs)."""
    return png_from_packed(np.packbits(~dark, axis=1), dark.shape[1], dpi, compress_level)


def png_from_packed(rows: np.ndarray, width: int, dpi: int = 300, compress_level: int = 1) -> bytes:
    """A 1-bit grayscale PNG from rows already packed 8 pixels a byte, most significant bit first, 1 = white."""
    height = rows.shape[0]
    raw = np.zeros((height, rows.shape[1] + 1), dtype=np.uint8)  # first byte of each row: filter 0 (none)
    raw[:, 1:] = rows
    per_metre = round(dpi / 0.0254)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            chunk(b"IDAT", zlib.compress(raw.tobytes(), compress_level)),
            chunk(b"IEND", b""),
        )
    )


def read_png_1bit(png: bytes) -> np.ndarray:
    """The boolean image (True = black) of a PNG; fast for those `png_1bit` writes, Pillow for any other."""
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    if png[24:29] == b"\x01\x00\x00\x00\x00":  # 1 bit, grayscale, no interlace
        data, pos = [], 8
        while pos < len(png):
            length = int.from_bytes(png[pos : pos + 4], "big")
            if png[pos + 4 : pos + 8] == b"IDAT":
                data.append(png[pos + 8 : pos + 8 + length])
            pos += 12 + length
        raw = np.frombuffer(zlib.decompress(b"".join(data)), dtype=np.uint8).reshape(height, -1)
        if not raw[:, 0].any():  # every row unfiltered, as png_1bit writes them
            return ~np.unpackbits(raw[:, 1:], axis=1, count=width).astype(bool)
    with Image.open(io.BytesIO(png)) as image:
        return ~np.asarray(image.convert("1"), dtype=bool)


def qr_pixels(url: str, module_px: int = 8, quiet_modules: int = 4, extra_rows: int = 0) -> np.ndarray:
    """The QR code of `url` with its quiet zone, as a boolean image (True = black), `extra_rows` blank below."""
    matrix = qr_matrix(url)
    n = matrix.shape[0]
    side = (n + 2 * quiet_modules) * module_px
    image = np.zeros((side + extra_rows, side), dtype=bool)
    at = quiet_modules * module_px
    # One copy: each module broadcast to a module_px x module_px block.
    blocks = np.broadcast_to(matrix[:, None, :, None], (n, module_px, n, module_px))
    image[at : at + n * module_px, at : at + n * module_px] = blocks.reshape(n * module_px, n * module_px)
    return image


def qr_png(url: str, module_px: int = 8, dpi: int = 300) -> bytes:
    """The QR code alone (no label), e.g. to show or save one CPA's code."""
    return png_1bit(qr_pixels(url, module_px), dpi)


class LabelRenderer:
    """Draws labels with one font; cheap to call many times (fonts are loaded once)."""

    def __init__(self, font_path: Path | str | None = None, style: LabelStyle | None = None) -> None:
        found = Path(font_path) if font_path else find_cjk_font()
        if found is None:
            raise FontMissing()
        self.font_path = found
        self.style = style or LabelStyle()
        self._glyph_sets: dict[int, GlyphSet] = {}

    @property
    def identity(self) -> str:
        """What, besides the label's text, decides the pixels: part of the cache key."""
        return f"{RENDER_VERSION}|{self.font_path.name}|{self.style}"

    def cache_key(self, label: QrLabel) -> str:
        text = "\x1f".join((self.identity, label.url, label.name, label.cert_no))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def render(self, label: QrLabel) -> np.ndarray:
        """The label as a boolean image (True = black)."""
        s = self.style
        image = qr_pixels(label.url, s.module_px, s.quiet_modules, extra_rows=s.text_height_px)
        self._draw_text(image, label, text_top=image.shape[1] - s.module_px)
        return image

    def render_png(self, label: QrLabel) -> bytes:
        s = self.style
        if s.module_px % 8:
            return png_1bit(self.render(label), s.dpi)
        # A module is a whole number of bytes of the packed PNG rows: build those directly (3x faster).
        matrix = qr_matrix(label.url)
        n, per = matrix.shape[0], s.module_px // 8
        width = (n + 2 * s.quiet_modules) * s.module_px
        rows = np.full((width + s.text_height_px, width // 8), 0xFF, dtype=np.uint8)  # white
        modules = np.where(matrix, 0, 0xFF).astype(np.uint8).repeat(per, axis=1).repeat(s.module_px, axis=0)
        at = s.quiet_modules * s.module_px
        rows[at : at + modules.shape[0], at // 8 : at // 8 + modules.shape[1]] = modules
        text_top = width - s.module_px
        text = np.zeros((rows.shape[0] - text_top, width), dtype=bool)
        self._draw_text(text, label, text_top=0)
        rows[text_top:] &= np.packbits(~text, axis=1)
        return png_from_packed(rows, width, s.dpi)

    def _draw_text(self, image: np.ndarray, label: QrLabel, text_top: int) -> None:
        """Name and certificate number, centred; `text_top` is one module into the quiet zone under the code."""
        s = self.style
        width = image.shape[1]
        room = width - 4 * s.module_px
        name_glyphs = self._fitting_glyphs(label.name, room)
        name_glyphs.draw(image, self._fit(label.name, name_glyphs, room), width / 2, text_top)
        self._glyphs(s.cert_px).draw(image, label.cert_no, width / 2, text_top + s.name_px + 6)

    def _glyphs(self, size: int) -> GlyphSet:
        glyphs = self._glyph_sets.get(size)
        if glyphs is None:
            glyphs = self._glyph_sets[size] = GlyphSet(label_font(self.font_path, size))
        return glyphs

    def _fitting_glyphs(self, text: str, max_width: int) -> GlyphSet:
        """The name's size, made smaller (down to `min_name_px`) for a long name."""
        size = self.style.name_px
        while size > self.style.min_name_px and self._glyphs(size).width(text) > max_width:
            size -= 2
        return self._glyphs(size)

    @staticmethod
    def _fit(text: str, glyphs: GlyphSet, max_width: int) -> str:
        if glyphs.width(text) <= max_width:
            return text
        while text and glyphs.width(text + "…") > max_width:
            text = text[:-1]
        return text + "…"


@dataclass(frozen=True)
class _Glyph:
    bitmap: np.ndarray  # bool, True = ink
    left: int  # from the pen position
    top: int  # from the baseline (negative: above it)
    advance: float


class GlyphSet:
    """One font size's glyphs, each rasterised once: drawing a label's text is then a few array ORs.

    Pillow's `ImageDraw.text` rasterises every glyph on every call (0.4 ms a label, a third of the
    total); names and certificate numbers reuse a few thousand characters. Glyphs are placed by their
    advance widths, as Pillow's basic layout does; Chinese text needs no kerning or shaping.
    """

    def __init__(self, font: ImageFont.FreeTypeFont) -> None:
        self.font = font
        self.ascent = font.getmetrics()[0]
        self._cache: dict[str, _Glyph] = {}

    def glyph(self, char: str) -> _Glyph:
        found = self._cache.get(char)
        if found is None:
            left, top, right, bottom = self.font.getbbox(char, anchor="ls")
            bitmap = np.zeros((0, 0), dtype=bool)
            if right > left and bottom > top:
                image = Image.new("1", (int(right - left), int(bottom - top)), 0)  # FreeType boxes are whole pixels
                draw = ImageDraw.Draw(image)
                draw.fontmode = "1"  # no anti-aliasing: labels are 1 bit and printed at 300 dpi
                draw.text((-left, -top), char, font=self.font, fill=1, anchor="ls")
                bitmap = np.asarray(image, dtype=bool)
            found = self._cache[char] = _Glyph(bitmap, int(left), int(top), self.font.getlength(char))
        return found

    def width(self, text: str) -> float:
        return sum(self.glyph(c).advance for c in text)

    def draw(self, image: np.ndarray, text: str, center_x: float, top: int) -> None:
        """ORs `text` into `image`, centred on `center_x`, its ascender line at `top`; clipped to the image."""
        glyphs = [self.glyph(char) for char in text]
        pen = center_x - sum(glyph.advance for glyph in glyphs) / 2
        baseline = top + self.ascent
        height, width = image.shape
        for glyph in glyphs:
            y, x = baseline + glyph.top, round(pen) + glyph.left
            pen += glyph.advance
            h, w = glyph.bitmap.shape
            if y >= 0 and x >= 0 and y + h <= height and x + w <= width:
                image[y : y + h, x : x + w] |= glyph.bitmap
                continue
            y0, x0, y1, x1 = max(y, 0), max(x, 0), min(y + h, height), min(x + w, width)
            if y1 > y0 and x1 > x0:
                image[y0:y1, x0:x1] |= glyph.bitmap[y0 - y : y1 - y, x0 - x : x1 - x]
