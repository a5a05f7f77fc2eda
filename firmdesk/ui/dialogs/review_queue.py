"""Keyboard review of 注师待审核: one application at a time with its details and attachments.

J / PgDn next, K / PgUp previous, A attachments, R return, Space mark for the batch, Ctrl+Enter 申请
the marked ones. The main window opens it from the pending-review tab with the rows in their shown order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.readiness import FlagLevel
from firmdesk.services.api_client import CmisClient
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.common_reasons import CommonReasons
from firmdesk.services.models import ApplicationDetail, CpaRow, ReadinessFlag
from firmdesk.ui.dialogs.attachments_dialog import AttachmentsDialog
from firmdesk.ui.dialogs.base import ServiceDialog
from firmdesk.ui.dialogs.prompts import ChooseFolder, OpenExternal, choose_folder, open_in_default_program
from firmdesk.ui.dialogs.return_dialog import ReturnDialog
from firmdesk.ui.error_text import error_text
from firmdesk.ui.formatting import date_text, datetime_text, hours_text, retired_text
from firmdesk.ui.palette import status_colour
from firmdesk.ui.sync_controller import SyncController, offline_reason
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.attachments_panel import AttachmentsPanel
from firmdesk.ui.widgets.badge import Badge, colour_badge, flag_note
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.screen_fit import fit_to_screen

#: Opens the draft editor of a return reason for the rows, parented to the given widget (`ReviewActions.draft`).
WriteDraft = Callable[[list[CpaRow], QWidget], QDialog | None]

KEY_HELP = "J / PgDn 下一份　K / PgUp 上一份　A 附件　R 退回　空格 标记加入申请　Ctrl+Enter 申请已标记"


class ReviewQueueDialog(ServiceDialog):
    """Signals: `current_changed(CpaRow)`, `returned(list[CpaRow])`, `marked_changed(list[int])` (application
    ids), `submit_requested(list[CpaRow])` (then the dialog closes; the main window opens the SubmitDialog)."""

    current_changed = Signal(object)
    detail_loaded = Signal(object)  # ApplicationDetail
    returned = Signal(list)
    marked_changed = Signal(list)
    submit_requested = Signal(list)

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        cache: AttachmentCache,
        reasons: CommonReasons,
        rows: Sequence[CpaRow],
        *,
        start_index: int = 0,
        marked: Iterable[int] = (),
        open_external: OpenExternal = open_in_default_program,
        choose_folder: ChooseFolder = choose_folder,
        sync: SyncController | None = None,
        write_draft: WriteDraft | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`sync` + `write_draft`: offline, R (退回) drafts the reason instead (sent once back online)."""
        super().__init__(runner, parent)
        self.setObjectName("reviewQueueDialog")
        self.setWindowTitle("逐个审核 - 注师待审核")
        fit_to_screen(self, 1180, 760)
        self._client = client
        self._cache = cache
        self._reasons = reasons
        self._open_external = open_external
        self._choose_folder = choose_folder
        self._rows = [r for r in rows if r.application_id is not None]
        self._index = max(0, min(start_index, len(self._rows) - 1))
        self._marked: list[int] = [i for i in marked if any(r.application_id == i for r in self._rows)]
        self.detail: ApplicationDetail | None = None
        self.flags: list[ReadinessFlag] | None = None
        self._sync = sync
        self._write_draft = write_draft
        self.return_dialog: ReturnDialog | None = None
        self.attachments_dialog: AttachmentsDialog | None = None
        self.draft_editor: QDialog | None = None

        # Top line: position, name, mark.
        self.position_label = QLabel(self)
        self.position_label.setObjectName("queuePosition")
        self.name_label = QLabel(self)
        self.name_label.setObjectName("queueName")
        self.name_label.setStyleSheet("QLabel { font-size:17px; font-weight:bold; }")
        self.status_holder = QHBoxLayout()
        self.status_badge: QLabel | None = None
        self.mark_label = QLabel(self)
        self.mark_label.setObjectName("queueMarkLabel")
        self.marked_count_label = QLabel(self)
        self.marked_count_label.setObjectName("queueMarkedCount")
        top = QHBoxLayout()
        top.addWidget(self.name_label)
        top.addLayout(self.status_holder)
        top.addWidget(self.mark_label)
        top.addStretch(1)
        top.addWidget(self.marked_count_label)
        top.addWidget(self.position_label)

        # Left: the details and the readiness.
        info_box = QGroupBox("申请信息", self)
        info_box.setObjectName("queueInfoBox")
        self.form = QFormLayout(info_box)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._fields: dict[str, QLabel] = {}
        for key, title in (
            ("cert_no", "证书编号"),
            ("gender", "性别"),
            ("birth_date", "出生日期"),
            ("ethnicity", "民族"),
            ("political_status", "政治面貌"),
            ("id", "有效证件"),
            ("native_place", "籍贯"),
            ("region", "所在地区"),
            ("retired", "在职/离退休"),
            ("training_hours", "培训学时"),
            ("submitted_at", "提交时间"),
            ("attachments", "附件"),
        ):
            label = QLabel(info_box)
            label.setObjectName(f"queueField_{key}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self._fields[key] = label
            self.form.addRow(f"{title}：", label)
        self.flags_box = QWidget(info_box)
        self.flags_box.setObjectName("queueFlags")
        self.flags_layout = QVBoxLayout(self.flags_box)
        self.flags_layout.setContentsMargins(0, 0, 0, 0)
        self.flags_layout.setSpacing(3)
        self.flags_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.form.addRow("申请前检查：", self.flags_box)

        self.panel = AttachmentsPanel(
            self,
            cache,
            client.attachment_content,
            open_external=open_external,
            choose_folder=choose_folder,
            orientation=Qt.Orientation.Vertical,
            parent=self,
        )
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(info_box)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([360, 820])

        # Bottom: buttons (never focused, so the keys stay the queue's) and the key help.
        self.banner = MessageBanner("queueMessage", self)
        bottom = QHBoxLayout()

        def button(name: str, text: str, slot: object) -> QPushButton:
            b = QPushButton(text, self)
            b.setObjectName(name)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            bottom.addWidget(b)
            return b

        self.prev_button = button("queuePrevButton", "上一份 (K)", self.previous)
        self.next_button = button("queueNextButton", "下一份 (J)", self.next)
        self.attachments_button = button("queueAttachmentsButton", "附件 (A)", self.open_attachments)
        self.return_button = button("queueReturnButton", "退回 (R)", self.open_return)
        self.mark_button = button("queueMarkButton", "标记加入申请 (空格)", self.toggle_mark)
        bottom.addStretch(1)
        self.submit_button = button("queueSubmitMarkedButton", "申请已标记", self.request_submit)
        self.close_button = button("queueCloseButton", "关闭", self.reject)
        help_label = QLabel(KEY_HELP, self)
        help_label.setObjectName("queueKeyHelp")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.banner)
        layout.addLayout(bottom)
        layout.addWidget(help_label)

        for keys, slot in (
            ("J", self.next),
            ("PgDown", self.next),
            ("K", self.previous),
            ("PgUp", self.previous),
            ("A", self.open_attachments),
            ("R", self.open_return),
            ("Space", self.toggle_mark),
            ("Ctrl+Return", self.request_submit),
            ("Ctrl+Enter", self.request_submit),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)

        self._show_current()

    # -- reading ----------------------------------------------------------------------------------

    @property
    def rows(self) -> list[CpaRow]:
        return list(self._rows)

    @property
    def index(self) -> int:
        return self._index

    def current(self) -> CpaRow | None:
        return self._rows[self._index] if self._rows else None

    def marked(self) -> list[int]:
        return list(self._marked)

    def marked_rows(self) -> list[CpaRow]:
        by_id = {r.application_id: r for r in self._rows}
        return [by_id[i] for i in self._marked if i in by_id]

    # -- moving -----------------------------------------------------------------------------------

    def next(self) -> None:
        self.go_to(self._index + 1)

    def previous(self) -> None:
        self.go_to(self._index - 1)

    def go_to(self, index: int) -> None:
        if not self._rows or self._child_open():
            return
        if not 0 <= index < len(self._rows):
            self.banner.show_message("已是最后一份" if index >= len(self._rows) else "已是第一份", Tone.INFO)
            return
        self._index = index
        self._show_current()

    def _child_open(self) -> bool:
        children = (self.return_dialog, self.attachments_dialog, self.draft_editor)
        return any(d is not None and d.isVisible() for d in children)

    def _show_current(self) -> None:
        row = self.current()
        self.banner.clear_message()
        if row is None:
            self.name_label.setText("没有待审核的申请")
            self.position_label.setText("")
            self._update()
            return
        self.position_label.setText(f"第 {self._index + 1} / {len(self._rows)} 份")
        self.name_label.setText(row.name)
        self._set_status_badge(row)
        self._fields["cert_no"].setText(row.cert_no)
        self._fields["gender"].setText(row.gender)
        self._fields["birth_date"].setText(date_text(row.birth_date))
        self._fields["retired"].setText(retired_text(row.retired))
        self._fields["training_hours"].setText(hours_text(row.training_hours))
        self._fields["submitted_at"].setText(datetime_text(row.submitted_at))
        for key in ("ethnicity", "political_status", "id", "native_place", "region"):
            self._fields[key].setText("…")
        self._fields["attachments"].setText(f"{row.attachment_count} 个")
        self._show_flags(None)
        self.detail = None
        self.flags = None
        self.panel.set_attachments(())
        self._update()
        self.current_changed.emit(row)
        self._load(row)

    def _set_status_badge(self, row: CpaRow) -> None:
        if self.status_badge is not None:
            self.status_badge.deleteLater()
        self.status_badge = colour_badge(row.status_label, status_colour(row.status), self)
        self.status_badge.setObjectName("queueStatusBadge")
        self.status_holder.addWidget(self.status_badge)

    def _load(self, row: CpaRow) -> None:
        client, app_id = self._client, row.application_id
        assert app_id is not None

        def work() -> tuple[ApplicationDetail, list[ReadinessFlag]]:
            detail = client.application(app_id)
            flags = client.readiness([app_id]).get(app_id, [])
            return detail, flags

        def ok(result: tuple[ApplicationDetail, list[ReadinessFlag]]) -> None:
            detail, flags = result
            self.detail, self.flags = detail, flags
            self._rows[self._index] = detail.row
            p = detail.profile
            self._fields["ethnicity"].setText(p.ethnicity or "")
            self._fields["political_status"].setText(p.political_status or "")
            self._fields["id"].setText(f"{p.id_type or ''} {p.id_number or ''}".strip())
            self._fields["native_place"].setText(p.native_place or "")
            self._fields["region"].setText(p.region or "")
            self._fields["attachments"].setText(f"{len(detail.attachments)} 个")
            self._set_status_badge(detail.row)
            self._show_flags(flags)
            self.panel.set_attachments(detail.attachments)
            self._update()
            self.detail_loaded.emit(detail)

        def failed(exc: BaseException) -> None:
            self.banner.show_message(error_text(exc), Tone.ERROR)

        # key: moving on drops the answer for the application left behind
        self.op(self, work, key="detail").success(ok).failure(failed).run()

    def _show_flags(self, flags: Sequence[ReadinessFlag] | None) -> None:
        while self.flags_layout.count():
            item = self.flags_layout.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        if not flags:
            row = QWidget(self.flags_box)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(Badge("检查中…", "grey", row) if flags is None else Badge("可提交", "ok", row))
            line.addStretch(1)
            self.flags_layout.addWidget(row)
        else:
            for flag in sorted(flags, key=lambda f: f.level != FlagLevel.RED):
                self.flags_layout.addWidget(flag_note(flag.message, flag.level, self.flags_box))

    def _update(self) -> None:
        row = self.current()
        marked = row is not None and row.application_id in self._marked
        self.prev_button.setEnabled(self._index > 0)
        self.next_button.setEnabled(self._index < len(self._rows) - 1)
        self.return_button.setEnabled(row is not None and row.refusal("return") is None)
        self.mark_button.setEnabled(row is not None and row.refusal("submit") is None)
        self.attachments_button.setEnabled(row is not None)
        self.mark_button.setText("取消标记 (空格)" if marked else "标记加入申请 (空格)")
        if marked:
            self.mark_label.setText("★ 已标记加入申请")
        else:
            self.mark_label.setText("")
        self.marked_count_label.setText(f"已标记 {len(self._marked)} 人")
        self.submit_button.setText(f"申请已标记（{len(self._marked)}）")
        self.submit_button.setEnabled(bool(self._marked))

    # -- actions ----------------------------------------------------------------------------------

    def toggle_mark(self) -> None:
        row = self.current()
        if row is None or row.application_id is None or self._child_open():
            return
        if row.refusal("submit") is not None:
            self.banner.show_message(f"{row.name} 的申请当前为“{row.status_label}”，不能加入申请", Tone.WARNING)
            return
        if row.application_id in self._marked:
            self._marked.remove(row.application_id)
        else:
            self._marked.append(row.application_id)
        self._update()
        self.marked_changed.emit(list(self._marked))

    def open_attachments(self) -> None:
        row = self.current()
        if row is None or row.application_id is None or self._child_open():
            return
        dialog = AttachmentsDialog(
            self._client,
            self.runner,
            self._cache,
            application_id=row.application_id if self.detail is None else None,
            attachments=self.detail.attachments if self.detail is not None else None,
            title=f"{row.name}（{row.cert_no}）",
            open_external=self._open_external,
            choose_folder=self._choose_folder,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._child_finished)
        self.attachments_dialog = dialog
        dialog.open()

    def open_return(self) -> None:
        row = self.current()
        if row is None or self._child_open():
            return
        if row.refusal("return") is not None:
            self.banner.show_message(f"{row.name} 的申请当前为“{row.status_label}”，不能退回", Tone.WARNING)
            return
        if self._write_draft is not None and offline_reason(self._sync) is not None:
            self._draft_return(row, self._write_draft)
            return
        dialog = ReturnDialog(self._client, self.runner, self._reasons, [row], parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.returned.connect(self._on_returned)
        dialog.finished.connect(self._child_finished)
        self.return_dialog = dialog
        dialog.open()

    def _draft_return(self, row: CpaRow, write_draft: WriteDraft) -> None:
        """Offline 退回: the reason becomes a draft (autosaved, 联网后发送), the application stays pending."""
        editor = write_draft([row], self)
        if editor is None:
            return
        editor.finished.connect(self._child_finished)
        self.draft_editor = editor
        self.banner.show_message(f"离线：{row.name} 的退回原因存为草稿，联网后自动发送", Tone.INFO)

    def done(self, result: int) -> None:
        if self.draft_editor is not None:
            self.draft_editor.close()  # saves what was typed before the queue (its parent) goes
        super().done(result)

    def _child_finished(self, _result: int = 0) -> None:
        # Forget it now (it deletes itself later), and take the keyboard back: J/K must work at once
        # after a child dialog closes, whatever the window manager does.
        self.return_dialog = None
        self.attachments_dialog = None
        self.draft_editor = None
        self.activateWindow()
        self.setFocus()

    def _on_returned(self, rows: list[CpaRow]) -> None:
        by_id = {r.application_id: r for r in rows}
        for i, row in enumerate(self._rows):
            if row.application_id in by_id:
                self._rows[i] = by_id[row.application_id]
                if row.application_id in self._marked:
                    self._marked.remove(row.application_id)
        self.returned.emit(rows)
        self.marked_changed.emit(list(self._marked))
        names = "、".join(r.name for r in rows)
        if self._index < len(self._rows) - 1:
            self._index += 1
            self._show_current()
        else:
            self._show_current()
        self.banner.show_message(f"已退回 {names}", Tone.SUCCESS)

    def request_submit(self) -> None:
        if not self._marked or self._child_open():
            return
        self.submit_requested.emit(self.marked_rows())
        self.accept()
