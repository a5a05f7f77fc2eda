"""查看 one batch: its CPAs, materials and events; 撤回 while the server allows it; 再次申请-修改附件 when returned."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.states import BatchState
from firmdesk.services.api_client import CmisClient, RepeatKey
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.errors import Refused, ServerUnreachable, UploadCancelled
from firmdesk.services.intentions import files_fingerprint
from firmdesk.services.models import BatchDetail
from firmdesk.services.sync import batch_detail
from firmdesk.ui.dialogs.base import ServiceDialog, mark_primary
from firmdesk.ui.dialogs.prompts import (
    ChooseFolder,
    Confirm,
    OpenExternal,
    PickFiles,
    ask_confirmation,
    choose_folder,
    open_in_default_program,
    pick_attachment_files,
)
from firmdesk.ui.error_text import error_text
from firmdesk.ui.formatting import datetime_text
from firmdesk.ui.palette import MUTED_TEXT, STATUS_COLOURS, batch_colour
from firmdesk.ui.sync_controller import CACHED_DETAIL_NOTE, SyncController, detail_error_text, offline_reason
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.attachments_panel import AttachmentsPanel
from firmdesk.ui.widgets.badge import colour_badge
from firmdesk.ui.widgets.materials_editor import MaterialsEditor
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.screen_fit import fit_to_screen
from firmdesk.ui.widgets.timeline import TimelineView
from firmdesk.ui.widgets.upload_progress import CANCELLING_TEXT, UploadProgress

PAGE_VIEW, PAGE_RESUBMIT = 0, 1


def _reason_label(object_name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setProperty("role", "return_reason")  # the look: resources/firmdesk.qss
    return label


class BatchDialog(ServiceDialog):
    """Signals: `loaded(BatchDetail)`, `withdrawn(BatchDetail)`, `resubmitted(BatchDetail)`, `refused(str)`."""

    loaded = Signal(object)
    withdrawn = Signal(object)
    resubmitted = Signal(object)
    refused = Signal(str)

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        cache: AttachmentCache,
        batch_id: int,
        *,
        start_resubmit: bool = False,
        confirm: Confirm = ask_confirmation,
        pick_files: PickFiles = pick_attachment_files,
        open_external: OpenExternal = open_in_default_program,
        choose_folder: ChooseFolder = choose_folder,
        sync: SyncController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`sync`: the window's controller; offline, 撤回 and 再次申请 are disabled and the batch comes from
        the local store when it was cached (None: always online, from the server)."""
        super().__init__(runner, parent)
        self.setObjectName("batchDialog")
        self.setWindowTitle("年检批次")
        fit_to_screen(self, 1060, 720)
        self._client = client
        self._batch_id = batch_id
        self._confirm = confirm
        self._pick_files = pick_files
        self._start_resubmit = start_resubmit
        self._sync = sync
        self.detail: BatchDetail | None = None
        self.cached = False  # shown from the local store (offline)
        pending = sync.pending if sync is not None else None
        self._repeat = RepeatKey(pending, "resubmit")
        self._withdraw_key = RepeatKey(pending, "withdraw")  # one 撤回, whatever the retries
        self.materials: MaterialsEditor | None = None
        self.busy_changed.connect(lambda _b: self._update_buttons())

        # Header: number, state, firm, year, time, count, return reason.
        self.number_label = QLabel(self)
        self.number_label.setObjectName("batchNumber")
        self.number_label.setStyleSheet("QLabel { font-size:16px; font-weight:bold; }")
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_holder = QHBoxLayout()
        head = QHBoxLayout()
        head.addWidget(self.number_label)
        head.addLayout(self.state_holder)
        head.addStretch(1)
        self.state_badge: QLabel | None = None
        self.facts_label = QLabel(self)
        self.facts_label.setObjectName("batchFacts")
        self.reason_label = _reason_label("batchReturnReason", self)
        self.reason_label.hide()

        # Page 1: view.
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("batchTabs")
        self.cpa_table = QTableWidget(0, 5, self)
        self.cpa_table.setObjectName("batchCpaTable")
        self.cpa_table.setHorizontalHeaderLabels(["序号", "姓名", "证书编号", "审批状态", "原因"])
        self.cpa_table.verticalHeader().hide()
        self.cpa_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cpa_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.cpa_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(self.cpa_table, "注册会计师")
        self.attachments = AttachmentsPanel(
            self,
            cache,
            client.attachment_content,
            open_external=open_external,
            choose_folder=choose_folder,
            parent=self,
        )
        self.tabs.addTab(self.attachments, "批次材料")
        self.timeline = TimelineView(self)
        self.tabs.addTab(self.timeline, "审批流程")

        # Page 2: 再次申请-修改附件.
        self.resubmit_page = QWidget(self)
        self.resubmit_page.setObjectName("resubmitPage")
        rp = QVBoxLayout(self.resubmit_page)
        rp.setContentsMargins(0, 0, 0, 0)
        rp_title = QLabel("省注协的退回原因：", self.resubmit_page)
        rp_title.setStyleSheet("QLabel { font-weight:bold; }")
        rp.addWidget(rp_title)
        self.resubmit_reason_label = _reason_label("resubmitReturnReason", self.resubmit_page)
        rp.addWidget(self.resubmit_reason_label)
        self.materials_box = QGroupBox("修改批次材料（可移除已上传的文件、添加新文件）", self.resubmit_page)
        self.materials_layout = QVBoxLayout(self.materials_box)
        rp.addWidget(self.materials_box, 1)
        self.upload = UploadProgress("resubmitProgress", "cancelResubmitUploadButton", self.resubmit_page)
        self.progress, self.cancel_upload_button = self.upload.bar, self.upload.cancel_button
        self.cancel_upload_button.clicked.connect(self.cancel_upload)
        rp.addWidget(self.upload)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.tabs)
        self.pages.addWidget(self.resubmit_page)

        self.banner = MessageBanner("batchMessage", self)
        self.buttons = QDialogButtonBox(self)
        self.withdraw_button = self.buttons.addButton("撤回", QDialogButtonBox.ButtonRole.ActionRole)
        self.withdraw_button.setObjectName("withdrawButton")
        self.withdraw_button.clicked.connect(self.withdraw)
        self.resubmit_button = self.buttons.addButton("再次申请-修改附件", QDialogButtonBox.ButtonRole.ActionRole)
        self.resubmit_button.setObjectName("startResubmitButton")
        self.resubmit_button.clicked.connect(self.start_resubmit)
        self.confirm_resubmit_button = self.buttons.addButton("确定再次申请", QDialogButtonBox.ButtonRole.ActionRole)
        self.confirm_resubmit_button.setObjectName("confirmResubmitButton")
        mark_primary(self.confirm_resubmit_button)
        self.confirm_resubmit_button.clicked.connect(self.resubmit)
        self.back_button = self.buttons.addButton("返回", QDialogButtonBox.ButtonRole.ActionRole)
        self.back_button.setObjectName("backToBatchButton")
        self.back_button.clicked.connect(self.leave_resubmit)
        self.close_button = self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setObjectName("closeBatchButton")
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.facts_label)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)
        if sync is not None:
            sync.state_changed.connect(self._server_state_changed)
        self._update_buttons()
        self.reload()

    def _server_state_changed(self, online: bool) -> None:
        self._update_buttons()
        editing = self.pages.currentIndex() == PAGE_RESUBMIT
        if online and (self.cached or self.detail is None) and not editing and not self.busy:
            self.reload("已重新联网，已加载服务器上的最新内容")  # the cached copy (or nothing) gives way

    # -- loading ----------------------------------------------------------------------------------

    def reload(self, message: str | None = None, tone: Tone = Tone.INFO) -> None:
        client, batch_id = self._client, self._batch_id
        store = self._sync.store if self._sync is not None else None
        if message is None:
            self.banner.show_message("正在加载批次…", Tone.INFO)

        def fetch() -> tuple[BatchDetail, bool]:
            if store is None:
                return client.batch(batch_id), True
            fetched = batch_detail(client, store, batch_id)
            return fetched.value, fetched.fresh

        def ok(result: tuple[BatchDetail, bool]) -> None:
            detail, fresh = result
            self.cached = not fresh
            if message is not None:
                self.banner.show_message(message, tone)
            elif self.cached:
                self.banner.show_message(CACHED_DETAIL_NOTE, Tone.WARNING)
            else:
                self.banner.clear_message()
            if fresh and self._sync is not None:
                self._sync.apply_answer(detail.applications, [detail.batch])  # the tabs agree with this view
            self._show(detail)

        def failed(exc: BaseException) -> None:
            self.banner.show_message(detail_error_text(exc, self._sync), Tone.ERROR)
            self._update_buttons()

        self.op(self, fetch, key="load").success(ok).failure(failed).run()
        self._update_buttons()

    def _show(self, detail: BatchDetail) -> None:
        self.detail = detail
        b = detail.batch
        self.setWindowTitle(f"年检批次 {b.number}")
        self.number_label.setText(f"年检批次编号：{b.number}")
        if self.state_badge is not None:
            self.state_badge.deleteLater()
        self.state_badge = colour_badge(b.state_label, batch_colour(b.state), self)
        self.state_badge.setObjectName("batchStateBadge")
        self.state_holder.addWidget(self.state_badge)
        self.facts_label.setText(
            f"事务所：{b.firm_name}　年检年度：{b.year}　申请时间：{datetime_text(b.submitted_at)}"
            f"　注册会计师：{b.cpa_count} 人"
        )
        # Returned: 再次申请 is what the batch waits for, and the institute's reason says what to change.
        returned = b.refusal("resubmit") is None
        self.reason_label.setVisible(returned and bool(b.return_reason))
        self.reason_label.setText(f"退回原因：{b.return_reason or ''}")
        self.resubmit_reason_label.setText(b.return_reason or "（未填写原因）")

        table = self.cpa_table
        table.setRowCount(len(detail.applications))
        for i, row in enumerate(detail.applications):
            cells = [str(i + 1), row.name, row.cert_no, row.status_label, row.reason or ""]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setForeground(QColor(STATUS_COLOURS.get(row.status, MUTED_TEXT)))
                if col == 4 and text:
                    item.setToolTip(text)
                table.setItem(i, col, item)
        self.attachments.set_attachments(detail.attachments)
        self.tabs.setTabText(1, f"批次材料（{len(detail.attachments)}）")
        self.timeline.set_events(detail.events)
        if self._start_resubmit and returned:
            self._start_resubmit = False
            self.start_resubmit()
        self._update_buttons()
        self.loaded.emit(detail)

    def _update_buttons(self) -> None:
        b = self.detail.batch if self.detail is not None else None
        editing = self.pages.currentIndex() == PAGE_RESUBMIT
        busy = self.busy  # a preview downloading does not block the actions
        offline = offline_reason(self._sync)  # offline wins: the buttons say why
        self.withdraw_button.setVisible(not editing and b is not None and b.refusal("withdraw") is None)
        self.withdraw_button.setEnabled(not busy and offline is None)
        self.withdraw_button.setToolTip(offline or "")
        self.resubmit_button.setVisible(not editing and b is not None and b.refusal("resubmit") is None)
        self.resubmit_button.setEnabled(not busy and offline is None)
        self.resubmit_button.setToolTip(offline or "")
        self.confirm_resubmit_button.setVisible(editing)
        problem = self.materials.problem() if self.materials is not None else "未加载"
        if not self.upload.active:  # an upload under way finishes or fails by itself
            problem = offline or problem
        self.confirm_resubmit_button.setEnabled(editing and not self.upload.active and problem is None)
        self.confirm_resubmit_button.setToolTip(problem or "")
        self.back_button.setVisible(editing)
        self.back_button.setEnabled(not self.upload.active)

    # -- 撤回 ---------------------------------------------------------------------------------------

    def withdraw(self) -> None:
        if self.detail is None or self.busy or offline_reason(self._sync) is not None:
            return
        b = self.detail.batch
        if not self._confirm(
            self,
            "撤回年检批次",
            f"确定撤回年检批次 {b.number} 吗？\n\n其中 {b.cpa_count} 名注册会计师的申请将回到“注师待审核”，"
            "本批次将标记为已撤回，不能恢复（可重新组成新的批次提交）。",
            "撤回",
        ):
            return
        client, batch_id, version = self._client, b.id, b.version
        # A repeat of this 撤回 (the answer was lost, the dialog reopened after a restart) keeps the key: the
        # server replays its success instead of refusing an already withdrawn batch.
        idem = self._withdraw_key.for_request(version, f"batch:{batch_id}")
        self.banner.show_message("正在撤回…", Tone.INFO)

        def ok(detail: BatchDetail) -> None:
            self._withdraw_key.outcome(None)
            self.withdrawn.emit(detail)
            self.reload(f"已撤回年检批次 {detail.batch.number}，其中的申请已回到“注师待审核”", Tone.SUCCESS)

        def refused(message: str) -> None:
            self.refused.emit(message)
            # The server knows better than this window: show its message and what the batch is now.
            self.reload(message, Tone.ERROR)

        def failed(exc: BaseException) -> None:
            self._withdraw_key.outcome(exc)
            message = error_text(exc)
            if not isinstance(exc, ServerUnreachable):
                refused(message)
                return
            # Every answer was lost: the 撤回 may have been done. The batch, if it can be read, tells.
            self.op(self, lambda: client.batch(batch_id), key="load").success(
                lambda now: ok(now) if now.batch.state == BatchState.WITHDRAWN else refused(message)
            ).failure(lambda _exc: refused(message)).run()

        self.op(self, lambda: client.withdraw(batch_id, version, idem)).success(ok).failure(failed).run()
        self._update_buttons()

    # -- 再次申请-修改附件 --------------------------------------------------------------------------

    def start_resubmit(self) -> None:
        if self.detail is None or self.detail.batch.refusal("resubmit") is not None:
            return
        if offline_reason(self._sync) is not None:
            return
        if self.materials is None:
            self.materials = MaterialsEditor(
                self,
                kept=self.detail.attachments,
                pick_files=self._pick_files,
                parent=self.materials_box,
            )
            self.materials.changed.connect(self._update_buttons)
            self.materials.checking_changed.connect(lambda _c: self._update_buttons())
            self.materials_layout.addWidget(self.materials)
        self.pages.setCurrentIndex(PAGE_RESUBMIT)
        self.reason_label.hide()
        self.banner.clear_message()
        self._update_buttons()

    def leave_resubmit(self) -> None:
        if self.upload.active:
            return
        self.pages.setCurrentIndex(PAGE_VIEW)
        if self.detail is not None:
            b = self.detail.batch
            self.reason_label.setVisible(b.refusal("resubmit") is None and bool(b.return_reason))
        self._update_buttons()

    def resubmit(self) -> None:
        if self.materials is None or self.detail is None or self.upload.active:
            return
        problem = offline_reason(self._sync) or self.materials.problem()
        if problem is not None:
            self.banner.show_message(problem, Tone.ERROR)
            return
        keep, files = self.materials.kept_ids(), self.materials.new_files()
        idem = self._repeat.for_request((tuple(keep), files_fingerprint(files)), f"batch:{self._batch_id}")
        self._set_uploading(True)
        state, client, batch_id = self.upload.state, self._client, self._batch_id

        def work() -> BatchDetail:
            return client.resubmit(batch_id, keep, files, state, idempotency_key=idem)

        self.banner.show_message("正在上传附件并再次申请…", Tone.INFO)
        self.op(self, work).success(self._resubmitted).failure(self._resubmit_failed).run()

    def _set_uploading(self, uploading: bool) -> None:
        self.upload.set_active(uploading)
        if self.materials is not None:
            self.materials.set_editable(not uploading)
        self._update_buttons()

    def cancel_upload(self) -> None:
        if self.upload.cancel():
            self.banner.show_message(CANCELLING_TEXT, Tone.WARNING)

    def _resubmitted(self, detail: BatchDetail) -> None:
        self._repeat.outcome(None)
        self._set_uploading(False)
        if self.materials is not None:
            self.materials.deleteLater()
            self.materials = None
        self.pages.setCurrentIndex(PAGE_VIEW)
        self.resubmitted.emit(detail)
        self.reload(f"已再次申请，年检批次 {detail.batch.number} 已重新提交至省注协", Tone.SUCCESS)

    def _resubmit_failed(self, exc: BaseException) -> None:
        self._repeat.outcome(exc)
        self._set_uploading(False)
        if isinstance(exc, UploadCancelled):
            self.banner.show_message(exc.message, Tone.WARNING)
            return
        message = error_text(exc)
        if isinstance(exc, Refused) and exc.status == 409:
            message += "\n该批次的状态已变化，请关闭后刷新列表。"
        self.banner.show_message(message, Tone.ERROR)
        self.refused.emit(message)

    def reject(self) -> None:
        if self.upload.active:
            self.cancel_upload()
            return
        super().reject()
