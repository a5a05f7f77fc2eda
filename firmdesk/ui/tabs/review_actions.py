"""Opens the firm's review dialogs (附件, 退回, 申请, 逐个审核, 查看/撤回, 再次申请, 审批流程, 二维码, 代提请).

Each dialog opens non-blocking, parented to the main window; what it changed on the server comes back
as `changed(message)`, so the window refreshes its tabs and says it in the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QWidget

from firmdesk.domain.availability import RowAction
from firmdesk.domain.reminders import OFFLINE_REFUSAL
from firmdesk.services.api_client import CmisClient
from firmdesk.services.models import BatchDetail, BatchRow, CpaRow, FirmInfo
from firmdesk.ui.contact_export import export_contacts
from firmdesk.ui.desk_services import DeskServices
from firmdesk.ui.details_dialog import CpaDetailsDialog
from firmdesk.ui.dialogs.attachments_dialog import AttachmentsDialog
from firmdesk.ui.dialogs.base import ServiceDialog
from firmdesk.ui.dialogs.batch_dialog import BatchDialog
from firmdesk.ui.dialogs.on_behalf_dialog import OnBehalfDialog
from firmdesk.ui.dialogs.qr_dialog import QrDialog
from firmdesk.ui.dialogs.reminder_dialog import ReminderDialog
from firmdesk.ui.dialogs.return_dialog import ReturnDialog
from firmdesk.ui.dialogs.review_queue import ReviewQueueDialog
from firmdesk.ui.dialogs.submit_dialog import SubmitDialog
from firmdesk.ui.dialogs.trail_dialog import TrailDialog
from firmdesk.ui.draft_editor import DraftEditor
from firmdesk.ui.sync_controller import OFFLINE_ACTION_TOOLTIP, SyncController
from firmdesk.ui.tabs.pending_review_tab import PendingReviewTab
from firmdesk.ui.tasks import TaskRunner


def names_text(rows: list[CpaRow], most: int = 3) -> str:
    names = "、".join(r.name for r in rows[:most])
    return f"{names}等 {len(rows)} 人" if len(rows) > most else names


class ReviewActions(QObject):
    changed = Signal(str)  # the server changed (a return, a batch…): the status-bar message
    opened = Signal(object)  # every dialog, as it opens (tests and screenshots find it here)
    drafts_edited = Signal()  # a draft was created, saved or discarded (the 草稿 tab reloads)
    refused = Signal(str)  # an action that needs the server was asked for while offline: why not

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        services: DeskServices,
        firm: FirmInfo,
        parent: QWidget,
        *,
        sync: SyncController,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._runner = runner
        self._services = services
        self._firm = firm
        self._sync = sync  # 退回 offline writes a draft; the dialogs report an unreachable server to it

    @property
    def offline(self) -> bool:
        return not self._sync.online

    @property
    def _window(self) -> QWidget:
        # Not kept in an attribute: a Python reference to the window would keep its wrapper alive in a cycle.
        parent = self.parent()
        assert isinstance(parent, QWidget)
        return parent

    def _open(self, dialog: QDialog) -> QDialog:
        if isinstance(dialog, ServiceDialog):
            dialog.server_unreachable.connect(self._sync.report_unreachable)  # the window goes offline
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.opened.emit(dialog)
        return dialog

    # -- CPA rows ---------------------------------------------------------------------------------

    def details(self, row: CpaRow) -> None:
        dialog = CpaDetailsDialog(
            row, self._client, self._runner, self._window, sync=self._sync, attachments=self._services.attachments
        )
        self._open(dialog)

    def attachments(self, row: CpaRow) -> None:
        if row.application_id is not None:
            self._open_attachments(f"{row.name}（{row.cert_no}）", application_id=row.application_id)

    def trail(self, row: CpaRow) -> None:
        self._open(TrailDialog(self._client, self._runner, row, parent=self._window))

    def qr(self, row: CpaRow) -> None:
        self._open(QrDialog(self._runner, row, save_file=self._services.prompts.save_file, parent=self._window))

    def return_rows(self, rows: list[CpaRow]) -> None:
        """退回: the return dialog online; offline, a draft of the reason, sent once the connection is back."""
        if not rows:
            return
        if self.offline:
            self.draft(rows)
            return
        dialog = ReturnDialog(self._client, self._runner, self._services.reasons, rows, parent=self._window)
        dialog.returned.connect(self._returned)
        dialog.save_draft = self._keep_as_draft
        self._open(dialog)

    def _keep_as_draft(self, rows: list[CpaRow], reason: str, key: str) -> None:
        """退回 found no server: the reason becomes a draft sent on reconnect, under the request's own key."""
        self._sync.drafts.create(rows[0].year, rows, reason, send_on_reconnect=True, uuid=key, sending=True)
        self.drafts_edited.emit()
        self.refused.emit(f"已将对 {names_text(rows)} 的退回存为草稿，联网后自动发送")

    def draft(self, rows: list[CpaRow], parent: QWidget | None = None) -> DraftEditor | None:
        """写草稿 / 退回 offline: a new draft of a return reason for `rows`, in a non-modal editor (autosaved).

        `parent`: the window by default; a modal dialog (逐个审核) passes itself so the editor takes input.
        """
        rows = [r for r in rows if r.application_id is not None]
        if not rows:
            return None
        editor = DraftEditor.new(
            self._sync.drafts, rows[0].year, rows, self._sync, parent or self._window, reasons=self._services.reasons
        )
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(lambda _uuid: self.drafts_edited.emit())
        editor.show()
        self.drafts_edited.emit()  # the new draft is in the store already
        self.opened.emit(editor)
        return editor

    def submit(self, rows: list[CpaRow], year: int) -> None:
        if not rows:
            return
        if self.offline:
            self.refused.emit(OFFLINE_ACTION_TOOLTIP)
            return
        dialog = SubmitDialog(
            self._client,
            self._runner,
            year,
            rows,
            institute_name=self._firm.institute_name,
            pick_files=self._services.prompts.pick_files,
            sync=self._sync,
            parent=self._window,
        )
        dialog.submitted.connect(self._submitted)
        self._open(dialog)

    def file_on_behalf(self, row: CpaRow, year: int) -> OnBehalfDialog | None:
        """代提请 for a CPA who has not applied; offline it is refused with the reason (it needs the server)."""
        if self.offline:
            self.refused.emit("离线状态下不能代提请，请联网后再试")
            return None
        dialog = OnBehalfDialog(
            self._client,
            self._runner,
            self._firm,
            row,
            year,
            pick_files=self._services.prompts.pick_files,
            sync=self._sync,
            parent=self._window,
        )
        dialog.filed.connect(self._filed_on_behalf)
        self._open(dialog)
        return dialog

    def review_queue(self, tab: PendingReviewTab, year: int) -> None:
        rows = tab.shown_records()
        if not rows:
            return
        current = tab.current_record()
        start = rows.index(current) if current in rows else 0
        prompts = self._services.prompts
        dialog = ReviewQueueDialog(
            self._client,
            self._runner,
            self._services.attachments,
            self._services.reasons,
            rows,
            start_index=start,
            marked=tab.checked_application_ids(),
            open_external=prompts.open_external,
            choose_folder=prompts.choose_folder,
            sync=self._sync,
            write_draft=self.draft,
            parent=self._window,
        )
        dialog.returned.connect(self._returned)
        dialog.marked_changed.connect(tab.set_checked_applications)
        dialog.submit_requested.connect(lambda marked: self.submit(list(marked), year))
        self._open(dialog)

    # -- reminders (提醒, 导出联系名单) ---------------------------------------------------------------

    def remind(self, selected: list[CpaRow], shown: list[CpaRow]) -> ReminderDialog | None:
        """提醒: refused offline (a reminder goes out at once or not at all; it is never queued)."""
        if self.offline:
            self.refused.emit(OFFLINE_REFUSAL)
            return None
        dialog = ReminderDialog(self._client, self._runner, selected, shown, parent=self._window)
        dialog.sent.connect(lambda result: self.changed.emit(f"提醒：{result.summary}"))
        self._open(dialog)
        return dialog

    def export_contacts(self, year: int) -> None:
        """导出联系名单: fetched from the server (phones and e-mails are not in the rows), saved as .xlsx."""
        if self.offline:
            self.refused.emit(OFFLINE_REFUSAL)
            return
        exporter = export_contacts(
            self._client, self._runner, self._services.prompts, self._firm.name, year, self._window
        )
        if exporter is not None:
            exporter.failed.connect(self.refused)

    # -- batches ----------------------------------------------------------------------------------

    def open_batch(self, batch: BatchRow, *, resubmit: bool = False, withdraw: bool = False) -> BatchDialog:
        """查看 (and 再次申请-修改附件 / 撤回 at once: the user sees the batch behind the question)."""
        prompts = self._services.prompts
        dialog = BatchDialog(
            self._client,
            self._runner,
            self._services.attachments,
            batch.id,
            start_resubmit=resubmit,
            confirm=prompts.confirm,
            pick_files=prompts.pick_files,
            open_external=prompts.open_external,
            choose_folder=prompts.choose_folder,
            sync=self._sync,
            parent=self._window,
        )
        dialog.withdrawn.connect(self._withdrawn)
        dialog.resubmitted.connect(self._resubmitted)
        if withdraw:

            def ask_once(_detail: BatchDetail) -> None:
                dialog.loaded.disconnect(ask_once)
                if dialog.detail is not None and dialog.detail.batch.refusal(RowAction.WITHDRAW) is None:
                    dialog.withdraw()

            dialog.loaded.connect(ask_once)
        self._open(dialog)
        return dialog

    def batch_attachments(self, batch: BatchRow) -> None:
        self._open_attachments(f"年检批次 {batch.number}", batch_id=batch.id)

    def _open_attachments(self, title: str, *, application_id: int | None = None, batch_id: int | None = None) -> None:
        """附件 of one application or of one batch (the batch's materials)."""
        prompts = self._services.prompts
        self._open(
            AttachmentsDialog(
                self._client,
                self._runner,
                self._services.attachments,
                application_id=application_id,
                batch_id=batch_id,
                title=title,
                store=self._sync.store,
                open_external=prompts.open_external,
                choose_folder=prompts.choose_folder,
                parent=self._window,
            )
        )

    # -- results ----------------------------------------------------------------------------------

    def _filed_on_behalf(self, row: CpaRow) -> None:
        self.changed.emit(f"已为 {row.name} 代提请年检申请，已移至“注师待审核”")

    def _returned(self, rows: list[CpaRow]) -> None:
        self._sync.apply_answer(rows)  # the tabs show the server's answer at once; the sync then brings the rest
        self.changed.emit(f"已退回 {names_text(rows)} 的年检申请，已移至“注师待申请”")

    def _submitted(self, detail: BatchDetail) -> None:
        self._sync.apply_answer(detail.applications, [detail.batch])
        self.changed.emit(f"已提交省注协，批次编号 {detail.batch.number}（{len(detail.applications)} 名注册会计师）")

    def _withdrawn(self, detail: BatchDetail) -> None:
        self._sync.apply_answer(detail.applications, [detail.batch])
        self.changed.emit(
            f"已撤回年检批次 {detail.batch.number}，{len(detail.applications)} 名注册会计师回到“注师待审核”"
        )

    def _resubmitted(self, detail: BatchDetail) -> None:
        self._sync.apply_answer(detail.applications, [detail.batch])
        self.changed.emit(f"已再次申请，年检批次 {detail.batch.number} 已重新提交至省注协")
