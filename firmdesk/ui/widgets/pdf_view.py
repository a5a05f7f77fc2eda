"""A PDF preview with PDFium (pypdfium2): one page at a time, 上一页/下一页, zoom in/out, fit to width or page.

Only the page on screen is rendered, on the UI thread (PDFium is not thread-safe), at the pixel size it is shown
at: fitting a page into the window or zooming re-renders it sharp, and a window being resized re-renders once it
settles. An A4 page at window size takes a few tens of milliseconds.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut, QWheelEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QStyle, QVBoxLayout, QWidget

from firmdesk.ui.widgets.image_view import toolbar_button

ZOOM_STEP = 1.25
MIN_ZOOM = 0.1
MAX_ZOOM = 8.0
MARGIN = 8  # pixels around the page, as in the image preview
MAX_PIXELS = 24_000_000  # a rendered page is capped at ~96 MB (RGBx), whatever the zoom
RESIZE_SETTLE_MS = 60

FIT_WIDTH, FIT_PAGE, CUSTOM = "fit_width", "fit_page", "custom"

_ERRORS = {
    pdfium_c.FPDF_ERR_FILE: "文件不存在或无法打开",
    pdfium_c.FPDF_ERR_FORMAT: "文件不是有效的 PDF",
    pdfium_c.FPDF_ERR_PASSWORD: "PDF 有密码保护",
    pdfium_c.FPDF_ERR_SECURITY: "PDF 的加密方式不受支持",
    pdfium_c.FPDF_ERR_PAGE: "PDF 的页面已损坏",
}


def render_page(document: pdfium.PdfDocument, index: int, scale: float) -> QImage:
    """Page `index` (from 0) at `scale` pixels per PDF point, as an opaque QImage (white background)."""
    page = document[index]
    try:
        bitmap = page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True)  # RGBx bytes: RGBX8888 anywhere
        try:
            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGBX8888)
            return image.copy()  # owns its pixels: the PDFium bitmap's buffer goes away below
        finally:
            bitmap.close()
    finally:
        page.close()


class PdfView(QWidget):
    """`load(path)` returns an error sentence (Chinese) or None; `failed` is emitted with it too."""

    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfView")
        self.document: pdfium.PdfDocument | None = None
        self.page = 1  # from 1
        self.mode = FIT_WIDTH
        self.zoom = 1.0  # in CUSTOM mode: 1.0 is the page at its printed size (72 pt an inch at the screen's DPI)
        self._rendered_key: tuple[int, int, int] | None = None  # (page, width, height) wanted on screen

        self.view = QScrollArea(self)
        self.view.setObjectName("pdfPageView")
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label = QLabel()
        self.image_label.setObjectName("pdfPageImage")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.view.setWidget(self.image_label)
        self.view.setWidgetResizable(False)
        self.view.installEventFilter(self)  # resized: re-render to fit
        self.view.viewport().installEventFilter(self)  # Ctrl+wheel: zoom

        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(RESIZE_SETTLE_MS)
        self._settle.timeout.connect(self._render)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)

        button = partial(toolbar_button, self, bar)

        self.zoom_out_button = button("pdfZoomOutButton", "缩小", "缩小（Ctrl+-）", self.zoom_out)
        self.zoom_in_button = button("pdfZoomInButton", "放大", "放大（Ctrl++）", self.zoom_in)
        self.fit_width_button = button("pdfFitWidthButton", "适应宽度", "适应宽度（Ctrl+0）", self.fit_width)
        self.fit_page_button = button("pdfFitPageButton", "整页", "整页显示", self.fit_page)
        bar.addStretch(1)
        self.prev_page_button = button(
            "pdfPrevPageButton", "上一页", "上一页（PgUp）", lambda: self.go_to_page(self.page - 1)
        )
        self.page_label = QLabel(self)
        self.page_label.setObjectName("pdfPageLabel")
        bar.addWidget(self.page_label)
        self.next_page_button = button(
            "pdfNextPageButton", "下一页", "下一页（PgDn）", lambda: self.go_to_page(self.page + 1)
        )
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("pdfZoomLabel")
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.zoom_label)

        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            ("Ctrl+=", self.zoom_in),
            ("Ctrl+0", self.fit_width),
            ("PgUp", lambda: self.go_to_page(self.page - 1)),
            ("PgDown", lambda: self.go_to_page(self.page + 1)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._show_zoom()
        self._show_page()

    # -- the document -----------------------------------------------------------------------------

    def load(self, path: Path) -> str | None:
        self.clear()
        try:
            # Bytes, not the path: no file handle stays open on Windows, and non-ASCII names need no care.
            data = Path(path).read_bytes()
        except OSError:
            return self._fail(path, "文件不存在或无法打开")
        try:
            self.document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            return self._fail(path, _ERRORS.get(getattr(exc, "err_code", None), "无法读取该 PDF"))
        self.page = 1
        self.mode = FIT_WIDTH
        self._show_page()
        self._show_zoom()
        try:
            self._render()
        except (pdfium.PdfiumError, ValueError, MemoryError):
            self.clear()
            return self._fail(path, "无法读取该 PDF")
        return None

    def _fail(self, path: Path, reason: str) -> str:
        message = f"无法预览“{Path(path).name}”：{reason}"
        self.failed.emit(message)
        return message

    def page_count(self) -> int:
        return len(self.document) if self.document is not None else 0

    def clear(self) -> None:
        self._settle.stop()
        if self.document is not None:
            self.document.close()
            self.document = None
        self._rendered_key = None
        self.image_label.clear()
        self.image_label.adjustSize()
        self.page = 1
        self._show_page()

    def has_image(self) -> bool:
        """Whether a page is on screen."""
        pixmap = self.image_label.pixmap()
        return pixmap is not None and not pixmap.isNull()

    # -- rendering --------------------------------------------------------------------------------

    def _points_to_pixels(self) -> float:
        """Logical pixels per PDF point at 100 %."""
        return self.logicalDpiX() / 72.0

    def _page_size(self) -> tuple[float, float]:
        assert self.document is not None
        width, height = self.document.get_page_size(self.page - 1)
        return max(width, 1.0), max(height, 1.0)

    def _scale(self) -> float:
        """Logical pixels per PDF point for the current page in the current mode."""
        width, height = self._page_size()
        # The whole area, scroll bars or not (the view has no frame): the fit modes decide which bar shows.
        room_w = max(self.view.width() - 2 * MARGIN, 16)
        room_h = max(self.view.height() - 2 * MARGIN, 16)
        if self.mode == FIT_WIDTH:
            scale = room_w / width
            if height * scale > room_h:  # taller than the window: leave room for the vertical scroll bar
                bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self.view)
                scale = max(room_w - bar, 16) / width
        elif self.mode == FIT_PAGE:
            scale = min(room_w / width, room_h / height)
        else:
            scale = self.zoom * self._points_to_pixels()
        return scale

    def _render(self) -> None:
        if self.document is None:
            return
        self._settle.stop()
        width, height = self._page_size()
        dpr = self.devicePixelRatioF()
        scale = wanted = self._scale() * dpr
        if width * height * scale * scale > MAX_PIXELS:  # coarser pixels, the same size on screen
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        off, as_needed = Qt.ScrollBarPolicy.ScrollBarAlwaysOff, Qt.ScrollBarPolicy.ScrollBarAsNeeded
        self.view.setHorizontalScrollBarPolicy(as_needed if self.mode == CUSTOM else off)
        self.view.setVerticalScrollBarPolicy(off if self.mode == FIT_PAGE else as_needed)
        key = (self.page, round(width * wanted), round(height * wanted))
        if key == self._rendered_key:
            return
        image = render_page(self.document, self.page - 1, scale)
        image.setDevicePixelRatio(dpr * scale / wanted)
        self.image_label.setPixmap(QPixmap.fromImage(image))
        self.image_label.adjustSize()
        self._rendered_key = key
        self._show_zoom()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Resize:
            if self.document is not None and self.mode != CUSTOM:
                # No page shown yet: at once; while the window is being dragged: once it settles.
                if self.has_image():
                    self._settle.start()
                else:
                    self._render()
        elif watched is self.view.viewport() and event.type() == QEvent.Type.Wheel:
            assert isinstance(event, QWheelEvent)
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                if event.angleDelta().y() > 0:
                    self.zoom_in()
                elif event.angleDelta().y() < 0:
                    self.zoom_out()
                return True
        return super().eventFilter(watched, event)

    # -- zoom -------------------------------------------------------------------------------------

    def _current_factor(self) -> float:
        if self.mode == CUSTOM or self.document is None:
            return self.zoom
        return self._scale() / self._points_to_pixels()

    def _show_zoom(self) -> None:
        if self.mode == FIT_WIDTH:
            self.zoom_label.setText("适应宽度")
        elif self.mode == FIT_PAGE:
            self.zoom_label.setText("整页")
        else:
            self.zoom_label.setText(f"{self.zoom * 100:.0f}%")

    def _set_custom_zoom(self, factor: float) -> None:
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        self.mode = CUSTOM
        self._show_zoom()
        self._render()

    def zoom_in(self) -> None:
        self._set_custom_zoom(self._current_factor() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._set_custom_zoom(self._current_factor() / ZOOM_STEP)

    def fit_width(self) -> None:
        self.mode = FIT_WIDTH
        self._show_zoom()
        self._render()

    def fit_page(self) -> None:
        self.mode = FIT_PAGE
        self._show_zoom()
        self._render()

    # -- pages ------------------------------------------------------------------------------------

    def go_to_page(self, number: int) -> None:
        """Shows page `number` (from 1), from its top."""
        if 1 <= number <= self.page_count() and number != self.page:
            self.page = number
            self._show_page()
            self._render()
            self.view.verticalScrollBar().setValue(0)

    def _show_page(self) -> None:
        count = self.page_count()
        self.page_label.setText(f"第 {self.page} / {count} 页" if count else "")
        self.prev_page_button.setEnabled(self.page > 1)
        self.next_page_button.setEnabled(self.page < count)
