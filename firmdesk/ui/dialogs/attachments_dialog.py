"""附件 viewer of one application or one batch: the files, a preview, open in Excel, save one or all."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from firmdesk.services.api_client import CmisClient
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.local_store import LocalStore
from firmdesk.services.models import Attachment
from firmdesk.services.sync import application_detail, batch_detail
from firmdesk.ui.dialogs.base import ServiceDialog
from firmdesk.ui.dialogs.prompts import ChooseFolder, OpenExternal, choose_folder, open_in_default_program
from firmdesk.ui.error_text import error_text
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.attachments_panel import AttachmentsPanel
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.screen_fit import fit_to_screen


class AttachmentsDialog(ServiceDialog):
    """Loads the list from the server (`application_id` or `batch_id`), or shows `attachments` given.

    With the local `store`, a list that cannot be had from the server comes from the store (offline), and the
    files from the attachment cache, which keeps them for offline review (`offline_attachments.py`).
    """

    loaded = Signal(list)  # list[Attachment]
    load_failed = Signal(str)

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        cache: AttachmentCache,
        *,
        application_id: int | None = None,
        batch_id: int | None = None,
        attachments: Sequence[Attachment] | None = None,
        title: str = "",
        store: LocalStore | None = None,
        open_external: OpenExternal = open_in_default_program,
        choose_folder: ChooseFolder = choose_folder,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        if (application_id is None) == (batch_id is None) and attachments is None:
            raise ValueError("give application_id or batch_id, or the attachments")
        self.setObjectName("attachmentsDialog")
        self.setWindowTitle(f"附件 - {title}" if title else "附件")
        fit_to_screen(self, 1180, 700)
        self._client = client
        self._application_id = application_id
        self._batch_id = batch_id
        self._store = store

        self.title_label = QLabel(title or "附件", self)
        self.title_label.setObjectName("attachmentsTitle")
        self.title_label.setStyleSheet("QLabel { font-size:15px; font-weight:bold; }")
        self.panel = AttachmentsPanel(
            self,
            cache,
            client.attachment_content,
            open_external=open_external,
            choose_folder=choose_folder,
            parent=self,
        )
        self.banner = MessageBanner("attachmentsDialogMessage", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.banner)
        layout.addWidget(buttons)

        if attachments is not None:
            self._show(list(attachments))
        else:
            self.reload()

    def reload(self) -> None:
        client, store = self._client, self._store
        load: Callable[[], Sequence[Attachment]]
        if self._application_id is not None:
            app_id = self._application_id
            if store is not None:
                load = lambda: application_detail(client, store, app_id).value.attachments  # noqa: E731
            else:
                load = lambda: client.application(app_id).attachments  # noqa: E731
        else:
            batch_id = self._batch_id
            assert batch_id is not None
            if store is not None:
                load = lambda: batch_detail(client, store, batch_id).value.attachments  # noqa: E731
            else:
                load = lambda: client.batch(batch_id).attachments  # noqa: E731
        self.banner.show_message("正在加载附件列表…", Tone.INFO)
        self.op(self, lambda: list(load()), key="load").success(self._show).failure(self._failed).run()

    def _show(self, attachments: list[Attachment]) -> None:
        self.banner.clear_message()
        self.panel.set_attachments(attachments)
        count = len(attachments)
        if count:
            self.title_label.setText(f"{self.title_label.text().split('（')[0]}（共 {count} 个附件）")
        self.loaded.emit(attachments)

    def _failed(self, exc: BaseException) -> None:
        message = error_text(exc)
        self.banner.show_message(message, Tone.ERROR)
        self.load_failed.emit(message)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the list opens the file rather than closing the dialog.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.panel.table.hasFocus():
            self.panel.open_selected_external()
            return
        super().keyPressEvent(event)
