"""批量下载二维码: labelled QR PNGs into a folder or a .zip, and an A4 PDF sheet of labels to print.

Each function is a plain `run(args, state)` task (no Qt): it reports `state.set_progress(done, total)`,
stops with `TaskCancelled` when `state.is_cancelled()`, and never leaves a half-written file: every PNG is
written to a temporary name and renamed, a .zip or .pdf is built in a temporary file and renamed only
when complete. Images come from `qr_images.render_many` (cache, process pool); `cache=None` means the
user's cache folder (`QrImageCache.default()`).

The PDF sheet is drawn with Pillow, which the labels need anyway: each page is a 1-bit 300 dpi raster
(the same pixels as the PNGs, so QR modules are whole pixels and print sharp at 300 dpi) stored with
CCITT G4 compression. No second drawing library is needed, and no font format issue arises (reportlab,
for one, cannot embed the CFF-based Noto CJK fonts).
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import struct
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from firmdesk.services.progress import ProgressState, TaskCancelled, check_cancelled, write_failed
from firmdesk.services.qr_codes import LabelRenderer, QrLabel, label_font
from firmdesk.services.qr_images import QrImageCache, render_many

#: Images between two progress reports.
PROGRESS_EVERY = 50


@dataclass(frozen=True)
class QrExportResult:
    path: Path  # the folder, .zip or .pdf written
    count: int  # labels in it
    rendered: int  # images made anew
    reused: int  # images taken from the cache
    unchanged: int = 0  # folder export: files already there with the same content, left untouched


def unique_file_names(labels: Sequence[QrLabel]) -> list[str]:
    """`{certificate number}_{name}.png` for each label; a repeated name gets ` (2)`, ` (3)`..."""
    seen: set[str] = set()
    names = []
    for label in labels:
        name = label.file_name
        stem, ext = os.path.splitext(name)
        n = 1
        while name.casefold() in seen:  # Windows file names ignore case
            n += 1
            name = f"{stem} ({n}){ext}"
        seen.add(name.casefold())
        names.append(name)
    return names


def export_qr_folder(
    labels: Sequence[QrLabel],
    folder: Path,
    state: ProgressState,
    *,
    renderer: LabelRenderer | None = None,
    cache: QrImageCache | None = None,
    workers: int | None = None,
) -> QrExportResult:
    """Writes one PNG a label into `folder`. A file already there with the same bytes is left as it is.

    On cancel the PNGs finished so far stay (each is whole) and `TaskCancelled` is raised.
    """
    folder.mkdir(parents=True, exist_ok=True)
    targets = [folder / name for name in unique_file_names(labels)]
    total = len(labels)
    stats: dict[str, int] = {}
    state.set_progress(0, total)
    images = render_many(labels, state, renderer=renderer, cache=cache, workers=workers, save_to=targets, stats=stats)
    try:
        for done, _ in enumerate(images, start=1):  # each image is saved by the time it is yielded
            if done % PROGRESS_EVERY == 0 or done == total:
                state.set_progress(done, total)
    except OSError as error:
        raise write_failed(folder, error) from error
    return QrExportResult(folder, total, stats["rendered"], stats["reused"], stats["unchanged"])


def export_qr_zip(
    labels: Sequence[QrLabel],
    zip_path: Path,
    state: ProgressState,
    *,
    renderer: LabelRenderer | None = None,
    cache: QrImageCache | None = None,
    workers: int | None = None,
) -> QrExportResult:
    """Writes one .zip with a PNG a label, in the labels' order. On cancel no .zip (and no partial one) is left."""
    names = unique_file_names(labels)
    total = len(labels)
    images: list[bytes | None] = [None] * total
    stats: dict[str, int] = {}
    state.set_progress(0, total)
    for done, (index, png) in enumerate(
        render_many(labels, state, renderer=renderer, cache=cache, workers=workers, stats=stats), start=1
    ):
        images[index] = png
        if done % PROGRESS_EVERY == 0:
            state.set_progress(done, total)
    with _writing(zip_path), _temporary_beside(zip_path) as tmp:
        # PNGs are compressed already: deflating them again costs time and gains almost nothing.
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            for n, (name, png) in enumerate(zip(names, images, strict=True)):
                if n % 256 == 0:
                    check_cancelled(state)
                assert png is not None
                archive.writestr(name, png)
        os.replace(tmp, zip_path)
    state.set_progress(total, total)
    return QrExportResult(zip_path, total, stats["rendered"], stats["reused"])


@dataclass(frozen=True)
class SheetLayout:
    """An A4 page at 300 dpi, in pixels."""

    dpi: int = 300
    page_px: tuple[int, int] = (2480, 3508)  # 210 x 297 mm
    margin_px: int = 118  # 10 mm
    gap_px: int = 24  # 2 mm between labels
    header_px: int = 70
    pages_per_write: int = 8  # pages held in memory (about 9 MB each) before they are appended


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
    """A printable A4 PDF: labels in a grid with dotted cutting lines, `title` and page number on each page."""
    if not labels:
        raise ValueError("no labels")
    renderer = renderer or LabelRenderer()
    layout = layout or SheetLayout()
    total = len(labels)
    stats: dict[str, int] = {}
    pngs: list[bytes | None] = [None] * total
    state.set_progress(0, 2 * total)
    for done, (index, png) in enumerate(
        render_many(labels, state, renderer=renderer, cache=cache, workers=workers, stats=stats), start=1
    ):
        pngs[index] = png
        if done % PROGRESS_EVERY == 0:
            state.set_progress(done, 2 * total)
    images = [png for png in pngs if png is not None]
    sizes = [_png_size(png) for png in images]
    cell_w = max(w for w, _ in sizes) + layout.gap_px
    cell_h = max(h for _, h in sizes) + layout.gap_px
    page_w, page_h = layout.page_px
    usable_h = page_h - 2 * layout.margin_px - layout.header_px
    cols = max(1, (page_w - 2 * layout.margin_px) // cell_w)
    rows = max(1, usable_h // cell_h)
    per_page = cols * rows
    page_count = -(-total // per_page)
    left = (page_w - cols * cell_w) // 2
    top = layout.margin_px + layout.header_px

    with _writing(pdf_path), _temporary_beside(pdf_path) as tmp:
        batch: list[Image.Image] = []
        appending = False
        for page_no in range(page_count):
            check_cancelled(state)
            page = np.zeros((page_h, page_w), dtype=bool)
            for slot, png in enumerate(images[page_no * per_page : (page_no + 1) * per_page]):
                cell = _decode_png(png)
                row, col = divmod(slot, cols)
                y, x = top + row * cell_h, left + col * cell_w
                _dotted_box(page, y, x, cell_h, cell_w)
                dy = y + (cell_h - cell.shape[0]) // 2
                dx = x + (cell_w - cell.shape[1]) // 2
                page[dy : dy + cell.shape[0], dx : dx + cell.shape[1]] |= cell
            image = Image.fromarray(~page)  # mode "1", white = True
            _header(image, renderer, f"{title}　　第 {page_no + 1} / {page_count} 页", layout)
            batch.append(image)
            if len(batch) == layout.pages_per_write or page_no == page_count - 1:
                first, *rest = batch
                first.save(
                    tmp, "PDF", resolution=layout.dpi, save_all=True, append_images=rest, append=appending, title=title
                )
                batch, appending = [], True
            state.set_progress(total + min(total, (page_no + 1) * per_page), 2 * total)
        os.replace(tmp, pdf_path)
    return QrExportResult(pdf_path, total, stats["rendered"], stats["reused"])


def _decode_png(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return ~np.asarray(image.convert("1"), dtype=bool)


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])  # IHDR, always the first chunk
    return width, height


def _dotted_box(page: np.ndarray, y: int, x: int, h: int, w: int, step: int = 8) -> None:
    page[y, x : x + w : step] = True
    page[y + h - 1, x : x + w : step] = True
    page[y : y + h : step, x] = True
    page[y : y + h : step, x + w - 1] = True


def _header(image: Image.Image, renderer: LabelRenderer, text: str, layout: SheetLayout) -> None:
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    font = label_font(renderer.font_path, 36)
    draw.text((layout.margin_px, layout.margin_px), text, font=font, fill=0)


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise write_failed(path, error) from error


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    """A temporary path in the target's folder (so `os.replace` is atomic); removed unless it was renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        yield tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


__all__ = [
    "QrExportResult",
    "SheetLayout",
    "TaskCancelled",
    "export_qr_folder",
    "export_qr_sheet",
    "export_qr_zip",
    "unique_file_names",
]
