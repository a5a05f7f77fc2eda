"""草稿: the list of return reasons drafted (offline or not); send one or all, mark 联网后发送, resolve conflicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from firmdesk.services.common_reasons import CommonReasons
from firmdesk.services.drafts import DraftState, DraftStore, ReturnReasonDraft
from firmdesk.services.errors import ServiceError
from firmdesk.ui import palette
from firmdesk.ui.draft_editor import DraftEditor
from firmdesk.ui.sync_controller import SyncController
from firmdesk.ui.widgets.gate import gate
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone

DRAFT_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex

_STATE_COLORS = {
    DraftState.CONFLICT: QColor(palette.RED),
    DraftState.SENDING: QColor(palette.SENDING),
    DraftState.SENT: QColor(palette.GREEN),
}


def _one_line(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class DraftsModel(QAbstractTableModel):
    HEADERS = ("状态", "注册会计师", "人数", "退回原因", "联网后发送", "最后修改")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._drafts: list[ReturnReasonDraft] = []

    def set_drafts(self, drafts: list[ReturnReasonDraft]) -> None:
        self.beginResetModel()
        self._drafts = list(drafts)
        self.endResetModel()

    def draft(self, row: int) -> ReturnReasonDraft:
        return self._drafts[row]

    def drafts(self) -> list[ReturnReasonDraft]:
        return list(self._drafts)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._drafts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._drafts):
            return None
        draft = self._drafts[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(draft, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0 and draft.conflict_message:
                return draft.conflict_message
            if column == 1:
                return "\n".join(
                    f"{i.name}（{i.cert_no}）" + (f"：{i.conflict}" if i.conflict else "") for i in draft.items
                )
            if column == 3:
                return draft.reason
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == 0 and draft.state in _STATE_COLORS:
            return QBrush(_STATE_COLORS[draft.state])
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 2, 4):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == DRAFT_ROLE:
            return draft
        return None

    @staticmethod
    def _display(draft: ReturnReasonDraft, column: int) -> str:
        if column == 0:
            return draft.state.label
        if column == 1:
            names = [i.name for i in draft.items]
            return "、".join(names[:3]) + ("等" if len(names) > 3 else "")
        if column == 2:
            return str(len(draft.items))
        if column == 3:
            return _one_line(draft.reason) or "（未填写）"
        if column == 4:
            return "是" if draft.send_on_reconnect and draft.state is DraftState.DRAFT else "—"
        return f"{draft.updated_at.astimezone():%Y-%m-%d %H:%M}"


class DraftsView(QWidget):
    """The 草稿 page; `count_changed(n)` gives the number of drafts not yet sent (for the tab label)."""

    count_changed = Signal(int)

    def __init__(
        self,
        drafts: DraftStore,
        controller: SyncController,
        parent: QWidget | None = None,
        *,
        reasons: CommonReasons | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("drafts_view")
        self.drafts = drafts
        self.controller = controller
        self.reasons = reasons
        self.editors: dict[str, DraftEditor] = {}
        #: Asks the user to confirm a deletion; tests replace it.
        self.confirm: Callable[[str], bool] = self._ask

        self.model = DraftsModel(self)
        self.model.setObjectName("drafts_model")
        self.table = QTableView(self)
        self.table.setObjectName("drafts_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(34)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        for column, width in enumerate((70, 220, 56, 360, 90, 140)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self.edit(self.model.draft(index.row())))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.edit_button = self._button("编辑", "drafts_edit", lambda: self._each(self.edit, single=True))
        self.send_button = self._button("发送", "drafts_send", self.send_selected)
        self.send_all_button = self._button("全部发送", "drafts_send_all", self.send_all)
        self.reconnect_button = self._button("联网后发送", "drafts_send_on_reconnect", self.toggle_send_on_reconnect)
        self.reconnect_button.setToolTip("标记或取消：恢复连接后自动发送所选草稿")
        self.rebase_button = self._button("保留仍待审核的注师", "drafts_rebase", self.rebase_selected)
        self.delete_button = self._button("删除", "drafts_delete", self.delete_selected)

        self.state_label = QLabel(self)
        self.state_label.setObjectName("drafts_state")
        self.state_label.setProperty("role", "muted")
        self.detail = QLabel(self)
        self.detail.setObjectName("drafts_detail")
        self.detail.setWordWrap(True)
        self.detail.setProperty("role", "muted")
        self.conflict_banner = MessageBanner("drafts_conflict", self)
        self.empty_label = QLabel("暂无草稿。在“注师待审核”中选择注册会计师并点击“退回”，离线时会保存为草稿。", self)
        self.empty_label.setObjectName("drafts_empty")
        self.empty_label.setProperty("role", "empty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        toolbar = QHBoxLayout()
        toolbar.setSpacing(8)
        for button in (
            self.edit_button,
            self.send_button,
            self.send_all_button,
            self.reconnect_button,
            self.rebase_button,
            self.delete_button,
        ):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        toolbar.addWidget(self.state_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(toolbar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.conflict_banner)
        layout.addWidget(self.detail)

        controller.drafts_changed.connect(self.reload)
        controller.state_changed.connect(lambda _online: self._update_buttons())
        self.reload()

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # -- data --

    def reload(self) -> None:
        chosen = {d.uuid for d in self.selected()}
        drafts = self.drafts.all()
        self.model.set_drafts(drafts)
        selection = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row, draft in enumerate(drafts):
            if draft.uuid in chosen:
                selection.select(self.model.index(row, 0), flags)
        self.empty_label.setVisible(not drafts)
        self.table.setVisible(bool(drafts))
        self.count_changed.emit(self.unsent_count())
        self._selection_changed()

    def unsent_count(self) -> int:
        return sum(1 for d in self.model.drafts() if d.state is not DraftState.SENT)

    def selected(self) -> list[ReturnReasonDraft]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.draft(r) for r in rows]

    # -- actions --

    def edit(self, draft: ReturnReasonDraft) -> DraftEditor:
        editor = self.editors.get(draft.uuid)
        if editor is None:
            editor = DraftEditor(self.drafts, draft, self.controller, self, reasons=self.reasons)
            editor.saved.connect(lambda _uuid: self.reload())
            editor.finished.connect(lambda _r, key=draft.uuid: self._editor_closed(key))
            self.editors[draft.uuid] = editor
        editor.show()
        editor.activateWindow()
        return editor

    def _editor_closed(self, key: str) -> None:
        editor = self.editors.pop(key, None)
        if editor is not None:
            editor.deleteLater()
        self.reload()

    def send_selected(self) -> None:
        self.controller.send_drafts([d.uuid for d in self.selected() if d.state is not DraftState.SENT])

    def send_all(self) -> None:
        sendable = (DraftState.DRAFT, DraftState.SENDING)  # a SENDING one is completed by its own key
        ready = [d.uuid for d in reversed(self.model.drafts()) if d.state in sendable and d.reason.strip()]
        self.controller.send_drafts(ready)

    def toggle_send_on_reconnect(self) -> None:
        chosen = [d for d in self.selected() if d.state is DraftState.DRAFT]
        flag = not all(d.send_on_reconnect for d in chosen)
        for draft in chosen:
            self.drafts.set_send_on_reconnect(draft.uuid, flag)
        self.reload()

    def rebase_selected(self) -> None:
        data = self.controller.data
        for draft in self.selected():
            if draft.state is not DraftState.CONFLICT:
                continue
            rows = (
                data.cpas
                if data is not None and data.year == draft.year
                else self.controller.store.snapshot(draft.year).cpas
            )
            try:
                self.drafts.rebase(draft.uuid, rows)
            except ServiceError as e:
                self.conflict_banner.show_message(e.message, Tone.ERROR)
                return
        self.reload()

    def delete_selected(self) -> None:
        chosen = self.selected()
        if not chosen:
            return
        unsent = [d for d in chosen if d.state is not DraftState.SENT]
        if unsent and not self.confirm(f"删除 {len(chosen)} 份草稿？其中 {len(unsent)} 份尚未发送，删除后无法恢复。"):
            return
        for draft in chosen:
            self.drafts.delete(draft.uuid)
        self.reload()

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, "删除草稿", text)
        return answer == QMessageBox.StandardButton.Yes

    def _each(self, action: Callable[[ReturnReasonDraft], Any], *, single: bool = False) -> None:
        chosen = self.selected()
        for draft in chosen[:1] if single else chosen:
            action(draft)

    # -- state --

    def _selection_changed(self, *_args: object) -> None:
        self._update_buttons()
        chosen = self.selected()
        draft = chosen[0] if len(chosen) == 1 else None
        self.detail.setText(f"退回原因：{draft.reason or '（未填写）'}" if draft is not None else "")
        if draft is not None and draft.state is DraftState.CONFLICT:
            hint = "可点击“保留仍待审核的注师”去掉状态已变化的注师后重新发送，或删除这份草稿。"
            self.conflict_banner.show_message(f"{draft.conflict_message or '申请状态已变化'}\n{hint}", Tone.WARNING)
        else:
            self.conflict_banner.clear_message()

    def _update_buttons(self) -> None:
        online = self.controller.online
        chosen = self.selected()
        drafts = self.model.drafts()
        sendable = [d for d in chosen if d.state in (DraftState.DRAFT, DraftState.SENDING) and d.reason.strip()]
        offline = None if online else "离线状态下不能发送，可标记“联网后发送”"
        pick = None if chosen else "请先在列表中选择草稿"
        unsent = any(d.state in (DraftState.DRAFT, DraftState.SENDING) for d in drafts)
        plain = any(d.state is DraftState.DRAFT for d in chosen)
        conflict = any(d.state is DraftState.CONFLICT for d in chosen)
        nothing_to_send = None if sendable else "所选草稿没有可发送的（已发送、冲突或未填写原因）"
        gate(self.send_button, offline or pick or nothing_to_send, "发送所选草稿")
        gate(self.send_all_button, offline or (None if unsent else "没有待发送的草稿"), "发送全部待发送的草稿")
        one = None if len(chosen) <= 1 else "一次只能编辑一份草稿"
        gate(self.edit_button, pick or one, "打开草稿编辑器")
        not_plain = None if plain else "只有“草稿”状态的可以标记"
        gate(self.reconnect_button, pick or not_plain, "恢复连接后自动发送所选草稿")
        gate(
            self.rebase_button,
            pick or (None if conflict else "只用于“冲突”状态的草稿"),
            "冲突的草稿：去掉状态已变化的注师，其余按最新状态恢复为草稿",
        )
        gate(self.delete_button, pick, "删除所选草稿")
        waiting = sum(1 for d in drafts if d.state is DraftState.DRAFT and d.send_on_reconnect)
        conflicts = sum(1 for d in drafts if d.state is DraftState.CONFLICT)
        parts = [f"共 {len(drafts)} 份"]
        if waiting:
            parts.append(f"{waiting} 份联网后发送")
        if conflicts:
            parts.append(f"{conflicts} 份冲突")
        parts.append("在线" if online else "离线")
        self.state_label.setText(" · ".join(parts))
