"""A PDF preview with QtPdf: pages one under the other, zoom in/out, fit to width or page, page number."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

ZOOM_STEP = 1.25
MIN_ZOOM = 0.1
MAX_ZOOM = 8.0

_ERRORS = {
    QPdfDocument.Error.FileNotFound: "文件不存在",
    QPdfDocument.Error.InvalidFileFormat: "文件不是有效的 PDF",
    QPdfDocument.Error.IncorrectPassword: "PDF 有密码保护",
    QPdfDocument.Error.UnsupportedSecurityScheme: "PDF 的加密方式不受支持",
    QPdfDocument.Error.DataNotYetAvailable: "文件尚未下载完",
    QPdfDocument.Error.Unknown: "无法读取该 PDF",
}


class PdfView(QWidget):
    """`load(path)` returns an error sentence (Chinese) or None; `failed` is emitted with it too."""

    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfView")
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdfPageView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)

        def button(name: str, text: str, tip: str, slot: object) -> QToolButton:
            b = QToolButton(self)
            b.setObjectName(name)
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
            return b

        self.zoom_out_button = button("pdfZoomOutButton", "缩小", "缩小（Ctrl+-）", self.zoom_out)
        self.zoom_in_button = button("pdfZoomInButton", "放大", "放大（Ctrl++）", self.zoom_in)
        self.fit_width_button = button("pdfFitWidthButton", "适应宽度", "适应宽度（Ctrl+0）", self.fit_width)
        self.fit_page_button = button("pdfFitPageButton", "整页", "整页显示", self.fit_page)
        bar.addStretch(1)
        self.prev_page_button = button("pdfPrevPageButton", "上一页", "上一页", lambda: self.go_to_page(self.page - 1))
        self.page_label = QLabel(self)
        self.page_label.setObjectName("pdfPageLabel")
        bar.addWidget(self.page_label)
        self.next_page_button = button("pdfNextPageButton", "下一页", "下一页", lambda: self.go_to_page(self.page + 1))
        self.page = 1
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("pdfZoomLabel")
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.zoom_label)

        nav = self.view.pageNavigator()
        nav.currentPageChanged.connect(self._on_page_changed)
        self.view.zoomFactorChanged.connect(self._show_zoom)
        self.view.zoomModeChanged.connect(lambda _m: self._show_zoom(self.view.zoomFactor()))

        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            ("Ctrl+=", self.zoom_in),
            ("Ctrl+0", self.fit_width),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._show_zoom(1.0)
        self._show_page()

    def load(self, path: Path) -> str | None:
        self.document.close()
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_:
            message = f"无法预览“{path.name}”：{_ERRORS.get(error, '无法读取该 PDF')}"
            self.failed.emit(message)
            return message
        self.page = 1
        self._show_page()
        self.fit_width()
        return None

    def page_count(self) -> int:
        return self.document.pageCount()

    def clear(self) -> None:
        self.document.close()

    def _show_zoom(self, factor: float) -> None:
        mode = self.view.zoomMode()
        if mode == QPdfView.ZoomMode.FitToWidth:
            self.zoom_label.setText("适应宽度")
        elif mode == QPdfView.ZoomMode.FitInView:
            self.zoom_label.setText("整页")
        else:
            self.zoom_label.setText(f"{factor * 100:.0f}%")

    def _set_custom_zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(MIN_ZOOM, min(MAX_ZOOM, factor)))
        self._show_zoom(self.view.zoomFactor())

    def _current_factor(self) -> float:
        # In the fit modes QPdfView keeps its own factor; start from what the page looks like now.
        if self.view.zoomMode() == QPdfView.ZoomMode.Custom or self.document.pageCount() == 0:
            return self.view.zoomFactor()
        page = self.document.pagePointSize(self.view.pageNavigator().currentPage())
        if page.width() <= 0:
            return 1.0
        dpi_scale = self.logicalDpiX() / 72.0
        width = self.view.viewport().width() - 2 * self.view.documentMargins().left()
        return max(MIN_ZOOM, width / (page.width() * dpi_scale))

    def zoom_in(self) -> None:
        self._set_custom_zoom(self._current_factor() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._set_custom_zoom(self._current_factor() / ZOOM_STEP)

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._show_zoom(self.view.zoomFactor())

    def fit_page(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self._show_zoom(self.view.zoomFactor())

    def go_to_page(self, number: int) -> None:
        """Page `number` (from 1) to the top of the view."""
        if 1 <= number <= self.document.pageCount():
            self.view.pageNavigator().jump(number - 1, QPointF(), self.view.pageNavigator().currentZoom())
            self.page = number
            self._show_page()

    def _on_page_changed(self, page: int) -> None:
        self.page = page + 1
        self._show_page()

    def _show_page(self) -> None:
        count = self.document.pageCount()
        self.page_label.setText(f"第 {self.page} / {count} 页" if count else "")
        self.prev_page_button.setEnabled(self.page > 1)
        self.next_page_button.setEnabled(self.page < count)
