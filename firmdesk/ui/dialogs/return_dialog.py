"""退回: send one or several applications back to their CPAs with a reason (required, ≤500 chars).

The 常用退回原因 list beside the text can be inserted, added to, edited and deleted; it is kept between runs.
A refused request leaves the dialog open with the reason as typed and the server's message shown inline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QInputMethodEvent, QKeyEvent, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.limits import REASON_MAX_CHARS
from firmdesk.services.api_client import CmisClient, RepeatKey, new_idempotency_key
from firmdesk.services.common_reasons import CommonReasons, clean_reason
from firmdesk.services.errors import Refused, ServerUnreachable, ServiceError
from firmdesk.services.models import CpaRow
from firmdesk.ui import palette
from firmdesk.ui.dialogs.base import ServiceDialog, mark_danger
from firmdesk.ui.error_text import error_text
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.gate import gate
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone

NEW_REASON_PLACEHOLDER = "新的常用原因"


class ReasonEdit(QPlainTextEdit):
    """The reason: line breaks kept, at most 500 characters (like a maxlength: typing stops, pasting is cut).

    Typed keys, input-method commits (pinyin) and pastes are cut before they reach the document; anything
    else that makes the text too long (e.g. `setPlainText`) is cut right after, outside the edit itself.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reasonEdit")
        self.setPlaceholderText("请填写退回原因（必填），注册会计师将收到此原因")
        self.setTabChangesFocus(True)
        self.truncated = False
        self.textChanged.connect(self._schedule_cut)

    def reason(self) -> str:
        return clean_reason(self.toPlainText())

    def _room(self) -> int:
        """How many characters may still be inserted at the cursor (the selection will be replaced)."""
        cursor = self.textCursor()
        selected = abs(cursor.position() - cursor.anchor())
        return REASON_MAX_CHARS - (len(self.toPlainText()) - selected)

    def _fit(self, text: str) -> str:
        room = max(0, self._room())
        if len(text) > room:
            self.truncated = True
            return text[:room]
        return text

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        typing = (bool(text) and text.isprintable()) or event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        control = event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        if typing and not control and self._room() < max(1, len(text)):
            self.truncated = True
            self.textChanged.emit()  # the counter says why nothing happened
            return
        super().keyPressEvent(event)

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        commit = event.commitString()
        if commit and len(commit) > self._room():
            fitted = QInputMethodEvent(event.preeditString(), event.attributes())
            fitted.setCommitString(self._fit(commit), event.replacementStart(), event.replacementLength())
            super().inputMethodEvent(fitted)
            return
        super().inputMethodEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText():
            self.textCursor().insertText(self._fit(source.text()))
            self.ensureCursorVisible()
            return
        super().insertFromMimeData(source)

    def _schedule_cut(self) -> None:
        if len(self.toPlainText()) > REASON_MAX_CHARS:
            QTimer.singleShot(0, self._cut)

    def _cut(self) -> None:
        text = self.toPlainText()
        if len(text) <= REASON_MAX_CHARS:
            return
        position = min(self.textCursor().position(), REASON_MAX_CHARS)
        self.truncated = True
        self.setPlainText(text[:REASON_MAX_CHARS])
        cursor = self.textCursor()
        cursor.setPosition(position)
        self.setTextCursor(cursor)

    def insert_reason(self, text: str) -> None:
        """Inserts at the cursor, on its own line when the box already has text."""
        cursor = self.textCursor()
        before = self.toPlainText()[: cursor.position()]
        prefix = "\n" if before and not before.endswith("\n") else ""
        cursor.insertText(prefix + text)
        self.setTextCursor(cursor)
        self.setFocus()


class ReturnDialog(ServiceDialog):
    """`returned(list[CpaRow])` after the server returned every listed application; then the dialog closes."""

    returned = Signal(list)
    refused = Signal(str)

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        reasons: CommonReasons,
        rows: Sequence[CpaRow],
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.setObjectName("returnDialog")
        self.setWindowTitle("退回年检申请")
        self.resize(860, 560)
        self._client = client
        self._reasons = reasons
        self._rows = [r for r in rows if r.application_id is not None]
        self._repeat = RepeatKey()
        #: Set by the window when it has a local store: `(rows, reason, key)` keeps the reason as a draft that is
        #: sent once the server is back, with this dialog's key (a return that did reach the server is not
        #: made twice). Offered when 确认退回 finds no server.
        self.save_draft: Callable[[list[CpaRow], str, str], None] | None = None

        # Who is returned.
        who = QGroupBox(self)
        who.setObjectName("returnWhoBox")
        who_layout = QVBoxLayout(who)
        self.rows_list = QListWidget(who)
        self.rows_list.setObjectName("returnRowsList")
        self.rows_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.rows_list.setMaximumHeight(120)
        who_layout.addWidget(self.rows_list)
        row_buttons = QHBoxLayout()
        self.remove_row_button = QPushButton("从列表中移除所选", who)
        self.remove_row_button.setObjectName("removeReturnRowButton")
        self.remove_row_button.clicked.connect(self._remove_selected_rows)
        row_buttons.addStretch(1)
        row_buttons.addWidget(self.remove_row_button)
        who_layout.addLayout(row_buttons)

        # The reason.
        reason_box = QWidget(self)
        reason_layout = QVBoxLayout(reason_box)
        reason_layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(f"<span style='color:{palette.REQUIRED_MARK}'>*</span> 退回原因", reason_box)
        reason_layout.addWidget(label)
        self.reason_edit = ReasonEdit(reason_box)
        label.setBuddy(self.reason_edit)
        reason_layout.addWidget(self.reason_edit, 1)
        counter_row = QHBoxLayout()
        self.save_common_button = QPushButton("存为常用原因", reason_box)
        self.save_common_button.setObjectName("saveAsCommonButton")
        self.save_common_button.clicked.connect(self._save_current_as_common)
        counter_row.addWidget(self.save_common_button)
        counter_row.addStretch(1)
        self.counter_label = QLabel(reason_box)
        self.counter_label.setObjectName("reasonCounter")
        counter_row.addWidget(self.counter_label)
        reason_layout.addLayout(counter_row)

        # 常用退回原因.
        common_box = QGroupBox("常用退回原因（双击插入）", self)
        common_box.setObjectName("commonReasonsBox")
        common_layout = QVBoxLayout(common_box)
        self.common_list = QListWidget(common_box)
        self.common_list.setObjectName("commonReasonsList")
        self.common_list.setWordWrap(True)
        self.common_list.setAlternatingRowColors(True)
        self.common_list.setSpacing(2)
        self.common_list.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.common_list.itemDoubleClicked.connect(lambda item: self.insert_common(self.common_list.row(item)))
        self.common_list.itemChanged.connect(self._common_item_edited)
        self.common_list.currentRowChanged.connect(lambda _r: self._update_buttons())
        # A new entry left unchanged (Esc, or the placeholder kept) is not saved: drop it from the list.
        self.common_list.itemDelegate().closeEditor.connect(lambda *_: self._drop_unsaved_new())
        common_layout.addWidget(self.common_list, 1)
        common_buttons = QHBoxLayout()

        def button(name: str, text: str, slot: object) -> QPushButton:
            b = QPushButton(text, common_box)
            b.setObjectName(name)
            b.clicked.connect(slot)
            common_buttons.addWidget(b)
            return b

        self.insert_button = button(
            "insertCommonButton", "插入", lambda: self.insert_common(self.common_list.currentRow())
        )
        self.add_common_button = button("addCommonButton", "新增", self.add_common)
        self.edit_common_button = button("editCommonButton", "编辑", self._edit_current_common)
        self.delete_common_button = button("deleteCommonButton", "删除", self.delete_common)
        common_layout.addLayout(common_buttons)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(reason_box)
        splitter.addWidget(common_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([500, 340])

        self.banner = MessageBanner("returnMessage", self)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("确认退回", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("confirmReturnButton")
        mark_danger(self.ok_button)
        self.draft_button = self.buttons.addButton("存为草稿，联网后发送", QDialogButtonBox.ButtonRole.ActionRole)
        self.draft_button.setObjectName("returnAsDraftButton")
        self.draft_button.setToolTip("服务器暂时无法连接：退回原因存入“草稿”，恢复连接后自动发送，不会重复退回")
        self.draft_button.clicked.connect(self.keep_as_draft)
        self.draft_button.hide()
        cancel = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("cancelReturnButton")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.submit)

        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)

        self.reason_edit.textChanged.connect(self._update_buttons)
        self.busy_changed.connect(lambda _b: self._update_buttons())
        self._fill_rows()
        self._fill_common()
        self._update_buttons()
        self.reason_edit.setFocus()

    # -- rows -------------------------------------------------------------------------------------

    @property
    def rows(self) -> list[CpaRow]:
        return list(self._rows)

    def _fill_rows(self) -> None:
        self.rows_list.clear()
        for row in self._rows:
            item = QListWidgetItem(f"{row.name}　{row.cert_no}　{row.status_label}")
            refused = row.refusal("return")
            if refused is not None:
                item.setForeground(QColor(palette.RED))
                item.setToolTip(refused)
            item.setData(Qt.ItemDataRole.UserRole, row.application_id)
            self.rows_list.addItem(item)
        box = self.rows_list.parentWidget()
        assert isinstance(box, QGroupBox)
        box.setTitle(f"退回以下 {len(self._rows)} 名注册会计师的年检申请")
        self.remove_row_button.setVisible(len(self._rows) > 1)

    def _remove_selected_rows(self) -> None:
        chosen = {self.rows_list.row(i) for i in self.rows_list.selectedItems()}
        if not chosen or len(chosen) >= len(self._rows):
            return
        self._rows = [r for i, r in enumerate(self._rows) if i not in chosen]
        self._fill_rows()
        self._update_buttons()

    # -- 常用退回原因 -----------------------------------------------------------------------------

    def _fill_common(self, select: int | None = None) -> None:
        self.common_list.blockSignals(True)
        self.common_list.clear()
        for text in self._reasons.all():
            item = QListWidgetItem(text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(text)
            self.common_list.addItem(item)
        self.common_list.blockSignals(False)
        if select is not None and 0 <= select < self.common_list.count():
            self.common_list.setCurrentRow(select)
        self._update_buttons()

    def insert_common(self, index: int) -> None:
        reasons = self._reasons.all()
        if 0 <= index < len(reasons):
            self.reason_edit.insert_reason(reasons[index])

    def add_common(self) -> None:
        """A new entry, open for typing; saved when the editor closes (an unchanged placeholder is dropped)."""
        item = QListWidgetItem(NEW_REASON_PLACEHOLDER)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setData(Qt.ItemDataRole.UserRole, "new")
        self.common_list.blockSignals(True)
        self.common_list.addItem(item)
        self.common_list.blockSignals(False)
        self.common_list.setCurrentItem(item)
        self.common_list.editItem(item)

    def add_common_text(self, text: str) -> bool:
        try:
            index = self._reasons.add(text)
        except ServiceError as e:
            self.banner.show_message(e.message, Tone.WARNING)
            return False
        self._fill_common(select=index)
        self.banner.show_message("已加入常用退回原因", Tone.SUCCESS)
        return True

    def _save_current_as_common(self) -> None:
        self.add_common_text(self.reason_edit.reason())

    def _edit_current_common(self) -> None:
        item = self.common_list.currentItem()
        if item is not None:
            self.common_list.editItem(item)

    def edit_common(self, index: int, text: str) -> bool:
        try:
            self._reasons.replace(index, text)
        except ServiceError as e:
            self.banner.show_message(e.message, Tone.WARNING)
            self._fill_common(select=index)
            return False
        self._fill_common(select=index)
        return True

    def _common_item_edited(self, item: QListWidgetItem) -> None:
        row = self.common_list.row(item)
        if item.data(Qt.ItemDataRole.UserRole) == "new":
            text = item.text()
            if clean_reason(text) in ("", NEW_REASON_PLACEHOLDER) or not self.add_common_text(text):
                self._fill_common()
            return
        self.edit_common(row, item.text())

    def _drop_unsaved_new(self) -> None:
        if any(
            self.common_list.item(i).data(Qt.ItemDataRole.UserRole) == "new" for i in range(self.common_list.count())
        ):
            self._fill_common()

    def delete_common(self) -> None:
        row = self.common_list.currentRow()
        if 0 <= row < len(self._reasons):
            self._reasons.remove(row)
            self._fill_common(select=min(row, len(self._reasons) - 1))

    # -- submitting -------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        length = len(self.reason_edit.reason())
        over = length > REASON_MAX_CHARS
        self.counter_label.setText(f"{length} / {REASON_MAX_CHARS}")
        level = "over" if over or self.reason_edit.truncated else ("near" if length > 450 else "")
        if self.counter_label.property("level") != level:  # its colour: resources/firmdesk.qss
            self.counter_label.setProperty("level", level)
            self.counter_label.style().unpolish(self.counter_label)
            self.counter_label.style().polish(self.counter_label)
        if self.reason_edit.truncated:
            self.counter_label.setText(f"{length} / {REASON_MAX_CHARS}（超出部分未录入）")
        busy = self.busy
        if busy:
            why_not: str | None = "正在退回，请稍候"
        elif not self._rows:
            why_not = "没有要退回的注册会计师"
        elif not length:
            why_not = "请先填写退回原因（可双击右侧的常用退回原因插入）"
        elif over:
            why_not = f"退回原因不能超过 {REASON_MAX_CHARS} 字"
        else:
            why_not = None
        gate(self.ok_button, why_not, "退回所列注册会计师的年检申请（Ctrl+Enter）")
        self.ok_button.setText("正在退回…" if busy else f"确认退回（{len(self._rows)} 人）")
        has_common = 0 <= self.common_list.currentRow() < len(self._reasons)
        for b in (self.insert_button, self.edit_common_button, self.delete_common_button):
            b.setEnabled(has_common)
        self.save_common_button.setEnabled(bool(length))
        self.reason_edit.setReadOnly(busy)

    def submit(self) -> None:
        reason = self.reason_edit.reason()
        if not reason:
            self.banner.show_message("请填写退回原因", Tone.ERROR)
            self.reason_edit.setFocus()
            return
        if self.busy or not self._rows:
            return
        items = tuple((r.application_id, r.version) for r in self._rows if r.application_id is not None)
        idem = self._repeat.for_request((items, reason))
        client = self._client
        self.banner.show_message(f"正在退回 {len(items)} 份年检申请…", Tone.INFO)
        self.op(self, lambda: client.return_applications(list(items), reason, idem)).success(self._done).failure(
            self._failed
        ).run()
        self._update_buttons()

    def _done(self, rows: list[CpaRow]) -> None:
        self._repeat.outcome(None)
        self.banner.show_message(f"已退回 {len(rows)} 份年检申请", Tone.SUCCESS)
        self.returned.emit(rows)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._repeat.outcome(exc)  # a lost answer keeps the key: the repeat (or the draft) uses it
        message = error_text(exc)
        if isinstance(exc, ServerUnreachable) and self.save_draft is not None:
            self.draft_button.show()
            message += "。可点击“存为草稿，联网后发送”"
        self.banner.show_message(message, Tone.ERROR)
        self._update_buttons()
        self.reason_edit.setFocus()
        self.reason_edit.moveCursor(QTextCursor.MoveOperation.End)
        self.refused.emit(message)
        if isinstance(exc, Refused) and exc.status == 409:
            self._recheck_rows(message)

    def keep_as_draft(self) -> None:
        """The reason (and the request's key) go to the drafts; the dialog closes."""
        reason = self.reason_edit.reason()
        if self.save_draft is None or not reason or not self._rows or self.busy:
            return
        self.save_draft(self.rows, reason, self._repeat.key or new_idempotency_key())
        self.accept()

    def _recheck_rows(self, message: str) -> None:
        """After a 409: ask the server what each listed application is now, and point at the stale ones.

        Rows still pending take their fresh version, so a retry is not refused again for a change that
        did not matter (e.g. a new attachment); rows no longer pending are selected for removal.
        """
        client = self._client
        ids = [r.application_id for r in self._rows if r.application_id is not None]

        def ok(fresh: list[CpaRow]) -> None:
            by_id = {r.application_id: r for r in fresh}
            self._rows = [by_id.get(r.application_id, r) for r in self._rows]
            self._fill_rows()
            stale = [r for r in self._rows if r.refusal("return") is not None]
            for i, row in enumerate(self._rows):
                self.rows_list.item(i).setSelected(row in stale)
            if stale:
                names = "、".join(f"{r.name}（{r.status_label}）" for r in stale)
                hint = f"以下注册会计师已不在“待事务所审核”状态：{names}。请将其从列表中移除后再退回，原因已保留。"
            else:
                hint = "申请已更新为最新版本，原因已保留，可再次点击“确认退回”。"
            self.banner.show_message(f"{message}\n{hint}", Tone.ERROR)
            self._update_buttons()

        self.op(self, lambda: [client.application(i).row for i in ids], key="recheck").success(ok).failure(
            lambda _e: None
        ).run()
