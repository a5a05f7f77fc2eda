"""二维码 of one CPA: the labelled QR (name and certificate number under it), its verification URL, copy and save."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from firmdesk.services.models import CpaRow
from firmdesk.services.qr_labels import QrLabel
from firmdesk.services.qr_reach import unreachable_warning
from firmdesk.ui.dialogs.base import ServiceDialog
from firmdesk.ui.dialogs.export_dialogs import SaveFile, ask_save_path, default_folder
from firmdesk.ui.error_text import error_text
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone

#: Shown at half its print size (300 dpi), about 150 % of a 96 dpi screen's 1:1: sharp and easy to scan.
SHOWN_SCALE = 0.5


class QrDialog(ServiceDialog):
    """`rendered(bytes)` once the PNG is drawn (on a worker: fonts and encoding take a few ms), `saved(Path)`."""

    rendered = Signal(bytes)
    saved = Signal(Path)

    def __init__(
        self,
        runner: TaskRunner,
        row: CpaRow,
        *,
        save_file: SaveFile = ask_save_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.setObjectName("qrDialog")
        self.setWindowTitle(f"年检二维码 - {row.name}")
        self.row = row
        self.png: bytes | None = None
        self._save_file = save_file
        self._label = QrLabel(row.qr_url or "", row.name, row.cert_no)

        title = QLabel(f"{row.name}（{row.cert_no}）", self)
        title.setObjectName("qrTitle")
        title.setStyleSheet("QLabel { font-size:15px; font-weight:bold; }")
        hint = QLabel("同一注册会计师的年检二维码不会变化，无需重复下载；扫码可查看其历年年检信息。", self)
        hint.setObjectName("qrHint")
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        self.image_label = QLabel("正在生成二维码…", self)
        self.image_label.setObjectName("qrImage")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setMinimumSize(260, 300)
        self.url_label = QLabel(self)
        self.url_label.setObjectName("qrUrl")
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.url_label.setOpenExternalLinks(True)
        self.url_label.setWordWrap(True)
        self.banner = MessageBanner("qrMessage", self)

        buttons = QDialogButtonBox(self)
        self.copy_button = QPushButton("复制", self)
        self.copy_button.setObjectName("qrCopyButton")
        self.copy_button.setToolTip("复制二维码图片，可粘贴到微信、Word 等")
        self.copy_button.clicked.connect(self.copy_image)
        self.save_button = QPushButton("保存 PNG", self)
        self.save_button.setObjectName("qrSaveButton")
        self.save_button.clicked.connect(self.save_png)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        close.setObjectName("qrCloseButton")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.image_label, 1)
        layout.addWidget(self.url_label)
        layout.addWidget(self.banner)
        layout.addWidget(buttons)
        self._set_ready(False)

        if row.qr_url:
            self.url_label.setText(f"验证地址：<a href='{row.qr_url}'>{row.qr_url}</a>")
            warning = unreachable_warning([row.qr_url])
            if warning is not None:  # said before anyone saves or copies it
                self.banner.show_message(warning.replace("这些二维码", "该二维码"), Tone.WARNING)
            self.op(self, partial(_render, self._label)).success(self._show).failure(self._failed).run()
        else:
            self.image_label.setText("暂无二维码")
            self.banner.show_message("服务器未提供该注师的二维码地址，请刷新列表后重试（或升级服务器）", Tone.ERROR)

    def _set_ready(self, ready: bool) -> None:
        self.copy_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

    def _show(self, png: bytes) -> None:
        self.png = png
        image = QImage.fromData(png)
        pixmap = QPixmap.fromImage(image)
        shown = pixmap.scaledToWidth(round(pixmap.width() * SHOWN_SCALE), Qt.TransformationMode.SmoothTransformation)
        self.image_label.setPixmap(shown)
        self._set_ready(True)
        self.rendered.emit(png)

    def _failed(self, exc: BaseException) -> None:
        self.image_label.setText("二维码生成失败")
        self.banner.show_message(error_text(exc), Tone.ERROR)

    def copy_image(self) -> None:
        if self.png is not None:
            QGuiApplication.clipboard().setImage(QImage.fromData(self.png))
            self.banner.show_message("二维码图片已复制", Tone.SUCCESS)

    def save_png(self) -> None:
        png = self.png
        if png is None:
            return
        path = self._save_file(self, "保存二维码", default_folder() / self._label.file_name, "PNG 图片 (*.png)")
        if path is None:
            return
        if path.suffix.lower() != ".png":
            path = path.with_name(f"{path.name}.png")

        def write() -> Path:
            from firmdesk.services.qr_images import write_atomic

            write_atomic(path, png)
            return path

        def ok(written: Path) -> None:
            self.banner.show_message(f"已保存到 {written}", Tone.SUCCESS)
            self.saved.emit(written)

        def failed(exc: BaseException) -> None:
            message = error_text(exc) if not isinstance(exc, OSError) else f"无法写入文件 {path}：{exc.strerror}"
            self.banner.show_message(message, Tone.ERROR)

        self.op(self, write).success(ok).failure(failed).run()


def _render(label: QrLabel) -> bytes:
    """On the worker: the imaging modules (numpy, Pillow) load at the first QR shown, not at start-up."""
    from firmdesk.services.qr_codes import LabelRenderer

    return LabelRenderer().render_png(label)
