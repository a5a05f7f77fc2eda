"""退回草稿 editor: write a return reason for one or many applications, online or offline; saved as typed.

Every keystroke (re)starts a 300 ms timer; when it fires the reason is committed to drafts.sqlite3, so a
crash or a kill loses at most the last 300 ms of typing. Closing the editor saves at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.limits import REASON_MAX_CHARS
from firmdesk.services.common_reasons import CommonReasons
from firmdesk.services.drafts import DraftState, DraftStore, ReturnReasonDraft
from firmdesk.services.models import CpaRow
from firmdesk.ui.dialogs.return_dialog import ReasonEdit
from firmdesk.ui.sync_controller import SyncController
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone

AUTOSAVE_MS = 300


class DraftEditor(QDialog):
    """Edits one draft; `saved(uuid)` after each autosave. Non-modal: open it with `show()` or `open()`."""

    saved = Signal(str)

    def __init__(
        self,
        drafts: DraftStore,
        draft: ReturnReasonDraft,
        controller: SyncController | None = None,
        parent: QWidget | None = None,
        *,
        reasons: CommonReasons | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("draft_editor")
        self.setWindowTitle("退回原因草稿")
        self.resize(880 if reasons is not None else 620, 460)
        self.drafts = drafts
        self.draft = draft
        self.controller = controller
        self._dirty = False
        #: A draft made by `new` and closed with no reason typed is removed (a stray 退回 click leaves nothing).
        self.discard_if_empty = False

        who = QLabel(self)
        who.setObjectName("draft_cpas")
        who.setWordWrap(True)
        who.setText(
            f"退回 {len(draft.items)} 名注册会计师：" + "、".join(f"{i.name}（{i.cert_no}）" for i in draft.items)
        )
        self.banner = MessageBanner("draft_banner", self)
        self.offline_hint = QLabel("当前离线：草稿保存在本机，可勾选“联网后发送”，恢复连接后自动发送。", self)
        self.offline_hint.setObjectName("draft_offline_hint")
        self.offline_hint.setProperty("role", "info")
        self.offline_hint.setWordWrap(True)

        self.reason_edit = ReasonEdit(self)
        self.reason_edit.setObjectName("draft_reason")
        self.reason_edit.setPlainText(draft.reason)
        self.counter = QLabel(self)
        self.counter.setObjectName("draft_counter")
        self.counter.setProperty("role", "muted")
        self.saved_label = QLabel(self)
        self.saved_label.setObjectName("draft_saved")
        self.saved_label.setProperty("role", "muted")
        self.send_on_reconnect = QCheckBox("联网后发送", self)
        self.send_on_reconnect.setObjectName("draft_send_on_reconnect")
        self.send_on_reconnect.setToolTip("恢复连接后自动发送这份草稿（发送前会核对申请状态）")
        self.send_on_reconnect.setChecked(draft.send_on_reconnect)
        self.send_on_reconnect.toggled.connect(self._send_on_reconnect_toggled)

        buttons = QDialogButtonBox(self)
        self.send_button = QPushButton("发送", self)
        self.send_button.setObjectName("draft_send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.close_button = QPushButton("关闭", self)
        self.close_button.setObjectName("draft_close")
        self.close_button.clicked.connect(self.close)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)

        info_row = QHBoxLayout()
        info_row.addWidget(self.counter)
        info_row.addStretch(1)
        info_row.addWidget(self.saved_label)
        # The same common reasons as the 退回 dialog (read here; they are edited there): double-click inserts.
        self.common_list = QListWidget(self)
        self.common_list.setObjectName("draft_common_reasons")
        self.common_list.setWordWrap(True)
        self.common_list.setAlternatingRowColors(True)
        self.common_list.setToolTip("双击插入到退回原因中（常用原因在“退回”窗口中编辑）")
        for text in reasons.all() if reasons is not None else ():
            self.common_list.addItem(text)
        self.common_list.itemDoubleClicked.connect(lambda item: self.reason_edit.insert_reason(item.text()))

        editor = QVBoxLayout()
        editor.addWidget(QLabel("退回原因（必填，注册会计师将收到此原因）", self))
        editor.addWidget(self.reason_edit, 1)
        editor.addLayout(info_row)
        editor.addWidget(self.send_on_reconnect)
        common = QVBoxLayout()
        common.addWidget(QLabel("常用退回原因（双击插入）", self))
        common.addWidget(self.common_list, 1)
        columns = QHBoxLayout()
        columns.addLayout(editor, 3)
        columns.addLayout(common, 2)
        if reasons is None:
            self.common_list.hide()
            common.itemAt(0).widget().hide()
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(self.banner)
        layout.addWidget(self.offline_hint)
        layout.addLayout(columns, 1)
        layout.addWidget(buttons)

        self._autosave = QTimer(self)
        self._autosave.setObjectName("draft_autosave_timer")
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_now)
        self.reason_edit.textChanged.connect(self._typed)
        if controller is not None:
            controller.state_changed.connect(self._online_changed)
            controller.drafts_changed.connect(self._reload)
        self._show_state()
        self._update_counter()

    @classmethod
    def new(
        cls,
        drafts: DraftStore,
        year: int,
        rows: Sequence[CpaRow],
        controller: SyncController | None = None,
        parent: QWidget | None = None,
        *,
        reasons: CommonReasons | None = None,
    ) -> DraftEditor:
        """A new draft for the applications of `rows` (退回 pressed, typically while offline)."""
        offline = controller is not None and not controller.online
        draft = drafts.create(year, rows, send_on_reconnect=offline)
        editor = cls(drafts, draft, controller, parent, reasons=reasons)
        editor.discard_if_empty = True
        return editor

    # -- saving --

    def _typed(self) -> None:
        self._dirty = True
        self._update_counter()
        self._update_buttons()
        self._autosave.start()  # restarts: saved 300 ms after the last keystroke

    def save_now(self) -> None:
        self._autosave.stop()
        if not self._dirty or not self.draft.editable:
            return
        self.drafts.save_reason(self.draft.uuid, self.reason_edit.toPlainText())
        self._dirty = False
        self.saved_label.setText(f"已自动保存 {datetime.now():%H:%M:%S}")
        self.saved.emit(self.draft.uuid)

    def _send_on_reconnect_toggled(self, checked: bool) -> None:
        self.drafts.set_send_on_reconnect(self.draft.uuid, checked)
        self.saved.emit(self.draft.uuid)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_now()
        self._discard_empty()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.save_now()
        self._discard_empty()
        super().done(result)

    def _discard_empty(self) -> None:
        if not self.discard_if_empty or self.reason_edit.toPlainText().strip():
            return
        self.discard_if_empty = False
        current = self.drafts.get(self.draft.uuid)
        if current is not None and current.state is DraftState.DRAFT and not current.reason.strip():
            self.drafts.delete(self.draft.uuid)
            self.saved.emit(self.draft.uuid)

    # -- sending --

    def send(self) -> None:
        self.save_now()
        if self.controller is None or not self.controller.online:
            return
        if not self.reason_edit.reason():
            self.banner.show_message("请填写退回原因", Tone.ERROR)
            return
        self.send_button.setEnabled(False)
        self.banner.show_message("正在核对申请状态并发送…", Tone.INFO)
        self.controller.send_drafts([self.draft.uuid])

    # -- showing --

    def _reload(self) -> None:
        current = self.drafts.get(self.draft.uuid)
        if current is None:
            self.close()
            return
        self.draft = current
        if self.send_on_reconnect.isChecked() != current.send_on_reconnect:
            # 发送 marks it (a lost connection then leaves it waiting); a refusal unmarks it.
            self.send_on_reconnect.blockSignals(True)
            self.send_on_reconnect.setChecked(current.send_on_reconnect)
            self.send_on_reconnect.blockSignals(False)
        self._show_state()

    def _show_state(self) -> None:
        draft = self.draft
        self.reason_edit.setReadOnly(not draft.editable)
        if draft.state is DraftState.CONFLICT:
            self.banner.show_message(draft.conflict_message or "申请状态已变化", Tone.WARNING)
        elif draft.state is DraftState.SENT:
            self.banner.show_message(
                f"已发送（{draft.sent_at.astimezone():%m-%d %H:%M}）" if draft.sent_at else "已发送", Tone.SUCCESS
            )
        elif draft.state is DraftState.SENDING:
            self.banner.show_message("正在发送；如连接中断，联网后将以同一编号重发，不会重复退回。", Tone.INFO)
        elif draft.conflict_message:  # the server refused the last send (e.g. the reason)
            self.banner.show_message(draft.conflict_message, Tone.ERROR)
        else:
            self.banner.clear_message()
        self._update_buttons()

    def _online_changed(self, _online: bool) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        online = self.controller is not None and self.controller.online
        self.offline_hint.setVisible(not online)
        can_send = online and self.draft.state is DraftState.DRAFT and bool(self.reason_edit.reason())
        self.send_button.setEnabled(can_send)
        self.send_button.setToolTip("" if online else "离线状态下不能发送，可勾选“联网后发送”")
        self.send_on_reconnect.setEnabled(self.draft.state is DraftState.DRAFT)

    def _update_counter(self) -> None:
        self.counter.setText(f"{len(self.reason_edit.toPlainText())}/{REASON_MAX_CHARS}")
