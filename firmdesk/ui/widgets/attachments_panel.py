"""附件: the list of an application's or a batch's files with a preview beside it.

Images and PDFs preview inside (zoom, fit, rotate); spreadsheets open in the system's default program.
Every file is fetched through the `AttachmentCache` on the worker pool, so each is downloaded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.limits import human_size
from firmdesk.services.attachment_cache import AttachmentCache, Fetch
from firmdesk.services.models import Attachment
from firmdesk.ui.dialogs.prompts import ChooseFolder, OpenExternal, choose_folder, open_in_default_program
from firmdesk.ui.error_text import error_text
from firmdesk.ui.formatting import datetime_text
from firmdesk.ui.ops import Op, OpStarter
from firmdesk.ui.widgets.image_view import ImageView, read_image
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.pdf_view import PdfView

IMAGE_TYPES = {"jpg", "jpeg", "png"}
SPREADSHEET_TYPES = {"xls", "xlsx"}
TYPE_LABELS = {"pdf": "PDF", "jpg": "JPG 图片", "jpeg": "JPG 图片", "png": "PNG 图片", "xls": "Excel", "xlsx": "Excel"}

PAGE_EMPTY, PAGE_LOADING, PAGE_IMAGE, PAGE_PDF, PAGE_EXTERNAL, PAGE_ERROR = range(6)


def _centered(text: str, name: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setProperty("role", "preview_note")  # its look: resources/firmdesk.qss
    return label


class AttachmentsPanel(QWidget):
    """`set_attachments(list)`; selecting a row previews it. `preview_ready(id)` when a preview shows."""

    preview_ready = Signal(int)  # attachment id
    preview_failed = Signal(int, str)
    saved = Signal(list)  # the paths written
    opened_external = Signal(Path)

    def __init__(
        self,
        ops: OpStarter,
        cache: AttachmentCache,
        fetch: Fetch,
        *,
        open_external: OpenExternal = open_in_default_program,
        choose_folder: ChooseFolder = choose_folder,
        orientation: Qt.Orientation = Qt.Orientation.Horizontal,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentsPanel")
        # The dialog it lives in (its ops end when it closes), or the task runner.
        self._ops = ops
        self._cache = cache
        self._fetch = fetch
        self._open_external = open_external
        self._choose_folder = choose_folder
        self._attachments: list[Attachment] = []
        self._preview: Op[tuple[Path, QImage | None]] | None = None  # the preview being fetched

        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("attachmentsTable")
        self.table.setHorizontalHeaderLabels(["材料名称", "文件名", "类型", "大小", "上传时间"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep the extension of long names visible
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(lambda _i: self.open_selected_external())

        self.stack = QStackedWidget(self)
        self.stack.setObjectName("previewStack")
        self.stack.addWidget(_centered("选择左侧的文件以预览", "previewEmpty", self))
        self.loading_label = _centered("正在下载…", "previewLoading", self)
        self.stack.addWidget(self.loading_label)
        self.image_view = ImageView(self)
        self.stack.addWidget(self.image_view)
        self.pdf_view = PdfView(self)
        self.stack.addWidget(self.pdf_view)
        external = QWidget(self)
        ext_layout = QVBoxLayout(external)
        ext_layout.addStretch(1)
        self.external_label = _centered("", "previewExternalLabel", external)
        ext_layout.addWidget(self.external_label)
        self.external_button = QPushButton("用默认程序打开", external)
        self.external_button.setObjectName("previewOpenExternalButton")
        self.external_button.clicked.connect(self.open_selected_external)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.external_button)
        row.addStretch(1)
        ext_layout.addLayout(row)
        ext_layout.addStretch(2)
        self.stack.addWidget(external)
        self.error_label = _centered("", "previewError", self)
        self.stack.addWidget(self.error_label)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("用默认程序打开", left)
        self.open_button.setObjectName("openExternalButton")
        self.open_button.clicked.connect(self.open_selected_external)
        self.save_button = QPushButton("保存所选…", left)
        self.save_button.setObjectName("saveSelectedButton")
        self.save_button.clicked.connect(self._ask_save_selected)
        self.save_all_button = QPushButton("全部保存…", left)
        self.save_all_button.setObjectName("saveAllButton")
        self.save_all_button.clicked.connect(self._ask_save_all)
        for b in (self.open_button, self.save_button, self.save_all_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        left_layout.addLayout(buttons)
        self.banner = MessageBanner("attachmentsMessage", left)
        left_layout.addWidget(self.banner)

        splitter = QSplitter(orientation, self)
        splitter.setObjectName("attachmentsSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        if orientation == Qt.Orientation.Horizontal:
            splitter.setSizes([640, 540])  # room for a whole file name such as 继续教育证明-500100280005.pdf
        else:
            splitter.setStretchFactor(0, 0)
            splitter.setStretchFactor(1, 1)
            splitter.setSizes([190, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._update_buttons()

    # -- content ----------------------------------------------------------------------------------

    @property
    def attachments(self) -> list[Attachment]:
        return list(self._attachments)

    def set_attachments(self, attachments: Sequence[Attachment]) -> None:
        if self._preview is not None:
            self._preview.cancel()  # a file of the old list must not show over the new one
        self._attachments = list(attachments)
        table = self.table
        table.blockSignals(True)
        table.clearSelection()
        table.setRowCount(len(self._attachments))
        for row, a in enumerate(self._attachments):
            cells = [
                a.material,
                a.original_name,
                TYPE_LABELS.get(a.file_type.lower(), a.file_type.upper()),
                human_size(a.size),
                datetime_text(a.uploaded_at),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(f"{a.material}：{a.original_name}")
                table.setItem(row, col, item)
        table.blockSignals(False)
        self.image_view.clear()
        self.pdf_view.clear()
        if self._attachments:
            self.stack.setCurrentIndex(PAGE_EMPTY)
            table.selectRow(0)
        else:
            self.stack.setCurrentIndex(PAGE_EMPTY)
            empty = self.stack.widget(PAGE_EMPTY)
            assert isinstance(empty, QLabel)
            empty.setText("没有附件")
        self.banner.clear_message()
        self._update_buttons()

    def selected(self) -> Attachment | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self._attachments[row] if 0 <= row < len(self._attachments) else None

    def select(self, index: int) -> None:
        if 0 <= index < len(self._attachments):
            self.table.selectRow(index)

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        self.open_button.setEnabled(has)
        self.save_button.setEnabled(has)
        self.save_all_button.setEnabled(bool(self._attachments))

    # -- preview ----------------------------------------------------------------------------------

    def _on_selection(self) -> None:
        self._update_buttons()
        attachment = self.selected()
        if attachment is None:
            return
        kind = attachment.file_type.lower()
        self.loading_label.setText(f"正在下载“{attachment.original_name}”…")
        self.stack.setCurrentIndex(PAGE_LOADING)
        cache, fetch = self._cache, self._fetch

        def work() -> tuple[Path, QImage | None]:
            path = cache.get(attachment, fetch)
            # QImage (not QPixmap) may be made off the UI thread: decode there too.
            return path, read_image(path) if kind in IMAGE_TYPES else None

        def ok(result: tuple[Path, QImage | None]) -> None:
            path, image = result
            self._show(attachment, path, image)

        def failed(exc: BaseException) -> None:
            self._show_error(attachment, error_text(exc))

        # key: selecting another file drops the answer for the one before
        self._preview = self._ops.op(self, work, key="preview").success(ok).failure(failed).run()

    def _show(self, attachment: Attachment, path: Path, image: QImage | None) -> None:
        kind = attachment.file_type.lower()
        if kind in IMAGE_TYPES:
            if image is None or image.isNull():
                self._show_error(attachment, f"无法显示图片“{attachment.original_name}”，文件可能已损坏")
                return
            self.stack.setCurrentIndex(PAGE_IMAGE)
            self.image_view.set_image(image)
        elif kind == "pdf":
            self.stack.setCurrentIndex(PAGE_PDF)
            message = self.pdf_view.load(path)
            if message is not None:
                self._show_error(attachment, message)
                return
        else:
            label = "Excel 表格" if kind in SPREADSHEET_TYPES else "该类型的文件"
            self.external_label.setText(f"“{attachment.original_name}”是{label}，无法在此预览。")
            self.stack.setCurrentIndex(PAGE_EXTERNAL)
        self.preview_ready.emit(attachment.id)

    def _show_error(self, attachment: Attachment, message: str) -> None:
        self.error_label.setText(message)
        self.stack.setCurrentIndex(PAGE_ERROR)
        self.preview_failed.emit(attachment.id, message)

    # -- open and save ----------------------------------------------------------------------------

    def open_selected_external(self) -> None:
        attachment = self.selected()
        if attachment is None:
            return
        opener = self._open_external

        def opened(path: Path) -> None:
            if opener(path):
                self.opened_external.emit(path)
            else:
                self.banner.show_message(f"系统没有可以打开“{path.name}”的程序，请先保存到文件夹再打开", Tone.WARNING)

        cache, fetch = self._cache, self._fetch
        self._ops.op(self, lambda: cache.get(attachment, fetch)).success(opened).failure(self._on_save_error).run()

    def _ask_save_selected(self) -> None:
        attachment = self.selected()
        if attachment is None:
            return
        folder = self._choose_folder(self, "保存附件到文件夹")
        if folder is not None:
            self.save_to([attachment], folder)

    def _ask_save_all(self) -> None:
        folder = self._choose_folder(self, "保存全部附件到文件夹")
        if folder is not None:
            self.save_to(self._attachments, folder)

    def save_to(self, attachments: Sequence[Attachment], folder: Path) -> None:
        """Copies the files into `folder` on the worker pool (downloading what is not cached)."""
        items = list(attachments)
        if not items:
            return
        self.banner.show_message(f"正在保存 {len(items)} 个文件…", Tone.INFO)
        for b in (self.save_button, self.save_all_button):
            b.setEnabled(False)
        cache, fetch = self._cache, self._fetch

        def ok(paths: list[Path]) -> None:
            self._update_buttons()
            self.banner.show_message(f"已保存 {len(paths)} 个文件到 {folder}", Tone.SUCCESS)
            self.saved.emit(paths)

        def failed(exc: BaseException) -> None:
            self._update_buttons()
            self._on_save_error(exc)

        self._ops.op(self, lambda: cache.save_to(items, fetch, folder)).success(ok).failure(failed).run()

    def _on_save_error(self, exc: BaseException) -> None:
        self.banner.show_message(error_text(exc), Tone.ERROR)
