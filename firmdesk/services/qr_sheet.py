"""An A4 PDF sheet of QR labels to print and cut: labels in a grid, dotted cutting lines, a title per page.

Each page is a 1-bit 300 dpi raster built from the same label images as the PNG export (QR modules are
whole pixels, so they print sharp at 300 dpi) and written by the small PDF writer below: one image per
page, Flate-compressed, streamed page by page (about 10 MB of memory whatever the page count).

Why not a PDF library: reportlab cannot embed the CFF-based Noto CJK fonts and would need the labels
drawn a second way; Pillow's PDF writer keeps every page in memory (9 MB each) or, in append mode,
re-reads the file for each page (quadratic: 20 s for 120 pages). The format needed here (pages, each
showing one image) is a page of the PDF specification.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from firmdesk.services.progress import ProgressState, check_cancelled
from firmdesk.services.qr_codes import GlyphSet, LabelRenderer, label_font, read_png_1bit
from firmdesk.services.qr_export import PROGRESS_EVERY, QrExportResult, temporary_beside, writing
from firmdesk.services.qr_images import QrImageCache, render_many
from firmdesk.services.qr_labels import QrLabel


@dataclass(frozen=True)
class SheetLayout:
    """An A4 page at 300 dpi, in pixels."""

    dpi: int = 300
    page_px: tuple[int, int] = (2480, 3508)  # 210 x 297 mm
    margin_px: int = 118  # 10 mm
    gap_px: int = 24  # 2 mm between labels
    header_px: int = 70
    header_font_px: int = 36


def export_qr_sheet(
    labels: Sequence[QrLabel],
    pdf_path: Path,
    state: ProgressState,
    *,
    title: str = "年检二维码",
    renderer: LabelRenderer | None = None,
    cache: QrImageCache | None = None,
    workers: int | None = None,
    layout: SheetLayout | None = None,
) -> QrExportResult:
    """Writes the PDF (replacing `pdf_path` only when complete); `title` and the page number head each page."""
    if not labels:
        raise ValueError("no labels")
    renderer = renderer or LabelRenderer()
    layout = layout or SheetLayout()
    total = len(labels)
    stats: dict[str, int] = {}
    pngs: list[bytes] = [b""] * total
    state.set_progress(0, 2 * total)
    images = render_many(labels, state, renderer=renderer, cache=cache, workers=workers, stats=stats)
    for done, (index, png) in enumerate(images, start=1):
        pngs[index] = png
        if done % PROGRESS_EVERY == 0:
            state.set_progress(done, 2 * total)

    grid = _Grid.fit(layout, [_png_size(png) for png in pngs])
    header = GlyphSet(label_font(renderer.font_path, layout.header_font_px))
    page_count = -(-total // grid.per_page)
    with writing(pdf_path), temporary_beside(pdf_path) as tmp, open(tmp, "wb") as out:
        pdf = _PdfWriter(out)
        for page_no in range(page_count):
            check_cancelled(state)
            page = np.zeros((layout.page_px[1], layout.page_px[0]), dtype=bool)  # True = black
            for slot, png in enumerate(pngs[page_no * grid.per_page : (page_no + 1) * grid.per_page]):
                grid.place(page, slot, read_png_1bit(png))
            text = f"{title}　　第 {page_no + 1} / {page_count} 页"
            header.draw(page, text, layout.margin_px + header.width(text) / 2, layout.margin_px)
            pdf.add_page(np.packbits(~page, axis=1), layout.page_px, layout.dpi)
            state.set_progress(total + min(total, (page_no + 1) * grid.per_page), 2 * total)
        pdf.finish(title)
        out.close()
        tmp.replace(pdf_path)
    return QrExportResult(pdf_path, total, stats["rendered"], stats["reused"])


@dataclass(frozen=True)
class _Grid:
    cell_w: int
    cell_h: int
    cols: int
    rows: int
    left: int
    top: int

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    @classmethod
    def fit(cls, layout: SheetLayout, sizes: list[tuple[int, int]]) -> _Grid:
        cell_w = max(w for w, _ in sizes) + layout.gap_px
        cell_h = max(h for _, h in sizes) + layout.gap_px
        page_w, page_h = layout.page_px
        cols = max(1, (page_w - 2 * layout.margin_px) // cell_w)
        rows = max(1, (page_h - 2 * layout.margin_px - layout.header_px) // cell_h)
        return cls(cell_w, cell_h, cols, rows, (page_w - cols * cell_w) // 2, layout.margin_px + layout.header_px)

    def place(self, page: np.ndarray, slot: int, label: np.ndarray) -> None:
        """Draws the dotted cutting box of the slot and the label centred in it."""
        row, col = divmod(slot, self.cols)
        y, x, h, w = self.top + row * self.cell_h, self.left + col * self.cell_w, self.cell_h, self.cell_w
        step = 8
        page[y, x : x + w : step] = True
        page[y + h - 1, x : x + w : step] = True
        page[y : y + h : step, x] = True
        page[y : y + h : step, x + w - 1] = True
        dy, dx = y + (h - label.shape[0]) // 2, x + (w - label.shape[1]) // 2
        page[dy : dy + label.shape[0], dx : dx + label.shape[1]] |= label


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # IHDR, always first


class _PdfWriter:
    """A PDF whose pages each show one 1-bit image covering the page; written as it goes.

    Objects: 1 catalog, 2 page tree (written last, when the pages are known), then three per page
    (page, content stream, image), then the document information.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}
        self.pages: list[int] = []
        self.position = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def _object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self._write(b"\nstream\n" + stream + b"\nendstream")
        self._write(b"\nendobj\n")

    def add_page(self, rows: np.ndarray, size_px: tuple[int, int], dpi: int) -> None:
        """`rows`: the image packed 8 pixels a byte, most significant bit first, 1 = white."""
        width, height = size_px
        w_pt, h_pt = width * 72 / dpi, height * 72 / dpi
        page = 3 + 3 * len(self.pages)
        content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (w_pt, h_pt)
        image = zlib.compress(rows.tobytes(), 1)  # level 6 is 4x slower for 10 % fewer bytes
        self._object(
            page,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>" % (w_pt, h_pt, page + 2, page + 1),
        )
        self._object(page + 1, b"<< /Length %d >>" % len(content), content)
        self._object(
            page + 2,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>" % (width, height, len(image)),
            image,
        )
        self.pages.append(page)

    def finish(self, title: str) -> None:
        kids = b" ".join(b"%d 0 R" % page for page in self.pages)
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        self._object(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.pages)))
        info = 3 + 3 * len(self.pages)
        utf16 = ("\ufeff" + title).encode("utf-16-be").hex().upper().encode()
        self._object(info, b"<< /Title <%s> /Producer (FirmDesk) >>" % utf16)
        xref = self.position
        count = info + 1
        entries = [b"0000000000 65535 f \n"] + [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, count)]
        self._write(b"xref\n0 %d\n" % count + b"".join(entries))
        self._write(b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, info, xref))
