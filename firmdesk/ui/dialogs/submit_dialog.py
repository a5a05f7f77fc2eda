"""申请: submit selected applications as a numbered batch to the provincial institute, with the firm's materials.

The CPAs are listed with the server's readiness flags (red: must fix, so the row has to be removed; yellow:
may submit). The materials need one 社保证明材料 and obey the file rules, checked before uploading. The
upload shows its progress and can be cancelled; on success the dialog shows the new batch number.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.readiness import FlagLevel
from firmdesk.services.api_client import CmisClient, RepeatKey
from firmdesk.services.errors import Refused, ServerUnreachable, UploadCancelled
from firmdesk.services.intentions import files_fingerprint
from firmdesk.services.models import BatchDetail, CpaRow, ReadinessFlag
from firmdesk.ui import palette
from firmdesk.ui.dialogs.base import ServiceDialog, dialog_footer
from firmdesk.ui.dialogs.prompts import PickFiles, pick_attachment_files
from firmdesk.ui.error_text import error_text
from firmdesk.ui.formatting import hours_text, retired_text
from firmdesk.ui.sync_controller import SyncController, offline_reason
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.badge import Badge, link_button
from firmdesk.ui.widgets.materials_editor import MaterialsEditor
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.screen_fit import fit_to_screen
from firmdesk.ui.widgets.upload_progress import CANCELLING_TEXT, UploadProgress

COL_NAME, COL_CERT, COL_INFO, COL_FLAGS, COL_REMOVE = range(5)


def flags_widget(flags: Sequence[ReadinessFlag] | None, parent: QWidget) -> QWidget:
    """The row's readiness as coloured badges; “检查中…” while unknown, “可提交” when clean."""
    box = QWidget(parent)
    layout = QHBoxLayout(box)
    layout.setContentsMargins(4, 2, 4, 2)
    layout.setSpacing(4)
    if flags is None:
        layout.addWidget(Badge("检查中…", "grey", box))
    elif not flags:
        layout.addWidget(Badge("可提交", "ok", box))
    else:
        ordered = sorted(flags, key=lambda f: f.level != FlagLevel.RED)
        for flag in ordered:
            layout.addWidget(Badge(flag.message, flag.level, box, tooltip=flag.message))
    layout.addStretch(1)
    return box


def level_of(flags: Sequence[ReadinessFlag] | None) -> str | None:
    if not flags:
        return None
    return FlagLevel.RED if any(f.level == FlagLevel.RED for f in flags) else FlagLevel.YELLOW


class SubmitDialog(ServiceDialog):
    """`submitted(BatchDetail)` once the server made the batch; the dialog then shows its number."""

    submitted = Signal(object)
    readiness_loaded = Signal()
    refused = Signal(str)

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        year: int,
        rows: Sequence[CpaRow],
        *,
        institute_name: str = "省注协",
        pick_files: PickFiles = pick_attachment_files,
        sync: SyncController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`sync`: the window's controller; offline, 提交申请 is disabled (None: always online)."""
        super().__init__(runner, parent)
        self.setObjectName("submitDialog")
        self.setWindowTitle(f"申请 - 提交{year}年度年检至{institute_name}")
        fit_to_screen(self, 1000, 800)
        self._client = client
        self._year = year
        self._rows = [r for r in rows if r.application_id is not None]
        self._sync = sync
        self._flags: dict[int, list[ReadinessFlag]] | None = None
        # Rows the server said are no longer pending (found after a 409): a red flag of their own.
        self._stale: dict[int, ReadinessFlag] = {}
        self._repeat = RepeatKey(sync.pending if sync is not None else None, "submit")
        self.result_batch: BatchDetail | None = None

        self.cpa_box = QGroupBox(self)
        self.cpa_box.setObjectName("submitCpaBox")
        cpa_layout = QVBoxLayout(self.cpa_box)
        self.table = QTableWidget(0, 5, self.cpa_box)
        self.table.setObjectName("submitCpaTable")
        self.table.setHorizontalHeaderLabels(["姓名", "证书编号", "在职/学时", "申请前检查", ""])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for col in (COL_NAME, COL_CERT, COL_INFO):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_REMOVE, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(COL_REMOVE, 72)
        header.setSectionResizeMode(COL_FLAGS, QHeaderView.ResizeMode.Stretch)
        cpa_layout.addWidget(self.table)
        self.readiness_label = QLabel(self.cpa_box)
        self.readiness_label.setObjectName("readinessSummary")
        self.readiness_label.setWordWrap(True)
        cpa_layout.addWidget(self.readiness_label)

        materials_box = QGroupBox("上传附件（事务所批次材料）", self)
        materials_layout = QVBoxLayout(materials_box)
        self.materials = MaterialsEditor(self, pick_files=pick_files, parent=materials_box)
        self.materials.changed.connect(self._update)
        self.materials.checking_changed.connect(lambda _c: self._update())
        materials_layout.addWidget(self.materials)

        self.upload = UploadProgress("uploadProgress", "cancelUploadButton", self)
        self.progress, self.cancel_upload_button = self.upload.bar, self.upload.cancel_button
        self.cancel_upload_button.clicked.connect(self.cancel_upload)

        self.success_label = QLabel(self)
        self.success_label.setObjectName("batchNumberLabel")
        self.success_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.success_label.hide()

        self.banner = MessageBanner("submitMessage", self)
        footer = dialog_footer(self, "提交申请", "submitHint", "submitBatchButton", "closeSubmitButton")
        self.hint_label, self.buttons = footer.hint_label, footer.buttons
        self.submit_button, self.close_button = footer.submit_button, footer.close_button

        layout = QVBoxLayout(self)
        layout.addWidget(self.cpa_box, 1)
        layout.addWidget(materials_box, 1)
        layout.addWidget(self.upload)
        layout.addWidget(self.success_label)
        layout.addWidget(self.banner)
        layout.addLayout(footer.layout())

        if sync is not None:
            sync.state_changed.connect(self._server_state_changed)
        self._lost_server = False  # the last 提交申请 found no server (its message goes when it is back)
        self._fill_rows()
        self._load_readiness()

    # -- CPAs and readiness -----------------------------------------------------------------------

    @property
    def rows(self) -> list[CpaRow]:
        return list(self._rows)

    def flags_of(self, application_id: int) -> list[ReadinessFlag] | None:
        if application_id in self._stale:
            return [self._stale[application_id]]
        return None if self._flags is None else self._flags.get(application_id, [])

    def red_rows(self) -> list[CpaRow]:
        return [r for r in self._rows if level_of(self.flags_of(r.application_id or 0)) == FlagLevel.RED]

    def _load_readiness(self) -> None:
        ids = [r.application_id for r in self._rows if r.application_id is not None]
        client = self._client

        def ok(flags: dict[int, list[ReadinessFlag]]) -> None:
            self._flags = flags
            self._fill_rows()
            self.readiness_loaded.emit()

        def failed(exc: BaseException) -> None:
            self._flags = {}
            self._fill_rows()
            self.banner.show_message(f"申请前检查未完成：{error_text(exc)}（仍可提交，注协会再次检查）", Tone.WARNING)
            self.readiness_loaded.emit()

        self.op(self, lambda: client.readiness(ids)).success(ok).failure(failed).run()

    def _fill_rows(self) -> None:
        table = self.table
        table.setRowCount(len(self._rows))
        for i, row in enumerate(self._rows):
            flags = self.flags_of(row.application_id or 0)
            level = level_of(flags)
            cells = [row.name, row.cert_no, f"{retired_text(row.retired)} · {hours_text(row.training_hours)} 学时"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if level == FlagLevel.RED:
                    item.setForeground(QColor(palette.RED_ROW_TEXT))
                    item.setBackground(QColor(palette.RED_ROW_BACKGROUND))
                table.setItem(i, col, item)
            table.setCellWidget(i, COL_FLAGS, flags_widget(flags, table))
            remove = link_button("移除", f"removeCpaButton{row.application_id}", table)
            remove.setToolTip(f"从本次申请中移除 {row.name}（其申请仍在“注师待审核”）")
            remove.clicked.connect(lambda _c=False, app_id=row.application_id: self.remove_application(app_id))
            table.setCellWidget(i, COL_REMOVE, remove)
        table.resizeRowsToContents()
        self._update()

    def remove_application(self, application_id: int | None) -> None:
        if self.upload.active:
            return
        self._rows = [r for r in self._rows if r.application_id != application_id]
        self._stale.pop(application_id or 0, None)
        self._fill_rows()

    # -- state of the buttons ---------------------------------------------------------------------

    def _server_state_changed(self, online: bool) -> None:
        if online and self._lost_server:
            self._lost_server = False
            self.banner.show_message("已重新连接服务器，可以提交申请", Tone.SUCCESS)
        self._update()

    def problem(self) -> str | None:
        """Why 提交申请 cannot run now (offline first), or None."""
        offline = offline_reason(self._sync)
        if offline is not None:
            return offline
        if not self._rows:
            return "请至少保留一名注册会计师"
        red = self.red_rows()
        if red:
            names = "、".join(r.name for r in red[:5]) + ("等" if len(red) > 5 else "")
            return f"{names} 有必须处理的问题（红色），请移除后再提交"
        return self.materials.problem()

    def _update(self) -> None:
        flags_known = self._flags is not None
        red = len(self.red_rows())
        yellow = sum(1 for r in self._rows if level_of(self.flags_of(r.application_id or 0)) == FlagLevel.YELLOW)
        self.cpa_box.setTitle(f"提交以下 {len(self._rows)} 名注册会计师")
        if not flags_known:
            self.readiness_label.setText("正在进行申请前检查…")
        else:
            parts = []
            if red:
                parts.append(f"<span style='color:{palette.RED}'>{red} 人必须处理（红色，需移除）</span>")
            if yellow:
                note = f"其中 {yellow} 人有提示项（黄色），可提交，注协将重点审核"
                parts.append(f"<span style='color:{palette.YELLOW_TEXT}'>{note}</span>")
            self.readiness_label.setText("；".join(parts) if parts else "全部通过申请前检查")
        done = self.result_batch is not None
        self.submit_button.setEnabled(not done and not self.upload.active and self.problem() is None)
        self.submit_button.setVisible(not done)
        problem = None if done or self.upload.active else self.problem()
        self.submit_button.setToolTip(problem or "")
        # While the readiness is still loading the rows are not yet judged: say nothing yet.
        self.hint_label.setText(problem if problem and flags_known and not self.materials.checking else "")
        self.close_button.setText("完成" if done else "关闭")

    # -- submitting -------------------------------------------------------------------------------

    def submit(self) -> None:
        if self.upload.active or self.result_batch is not None:
            return
        problem = self.problem()
        if problem is not None:
            self.banner.show_message(problem, Tone.ERROR)
            return
        ids = [r.application_id for r in self._rows if r.application_id is not None]
        files = self.materials.new_files()
        target = f"year:{self._year}:" + ",".join(map(str, sorted(ids)))
        idem = self._repeat.for_request((tuple(ids), files_fingerprint(files)), target)
        self._set_uploading(True)
        state, client, year = self.upload.state, self._client, self._year

        def work() -> BatchDetail:
            return client.submit_batch(year, ids, files, idem, state)

        self.banner.show_message("正在上传附件并提交…", Tone.INFO)
        self.op(self, work).success(self._done).failure(self._failed).run()

    def _set_uploading(self, uploading: bool) -> None:
        self.upload.set_active(uploading)
        self.materials.set_editable(not uploading)
        self.table.setEnabled(not uploading)
        self._update()

    def cancel_upload(self) -> None:
        if self.upload.cancel():
            self.banner.show_message(CANCELLING_TEXT, Tone.WARNING)

    def _done(self, detail: BatchDetail) -> None:
        self._repeat.outcome(None)
        self._set_uploading(False)
        self.result_batch = detail
        self.banner.clear_message()
        self.success_label.setText(
            f"已提交至省注协。年检批次编号：<b>{detail.batch.number}</b>（{len(detail.applications)} 名注册会计师）"
        )
        self.success_label.setTextFormat(Qt.TextFormat.RichText)
        self.success_label.show()
        self.materials.mark_submitted()
        self.table.setEnabled(False)
        self._update()
        self.close_button.setFocus()
        self.submitted.emit(detail)

    def _failed(self, exc: BaseException) -> None:
        self._repeat.outcome(exc)
        self._set_uploading(False)
        if isinstance(exc, UploadCancelled):
            self.banner.show_message(exc.message, Tone.WARNING)
            return
        message = error_text(exc)
        self._lost_server = isinstance(exc, ServerUnreachable)
        self.banner.show_message(message, Tone.ERROR)
        self.refused.emit(message)
        if isinstance(exc, Refused) and exc.status == 409:
            self._recheck_rows(message)

    def _recheck_rows(self, message: str) -> None:
        """After a 409: which listed applications are no longer pending? They turn red, to be removed;
        the others take their fresh version. The materials stay as they are."""
        client = self._client
        ids = [r.application_id for r in self._rows if r.application_id is not None]

        def ok(fresh: list[CpaRow]) -> None:
            by_id = {r.application_id: r for r in fresh}
            self._rows = [by_id.get(r.application_id, r) for r in self._rows]
            stale = [r for r in self._rows if r.refusal("submit") is not None]
            self._stale = {
                r.application_id: ReadinessFlag(FlagLevel.RED, "not_pending", f"已不在待审核：{r.status_label}")
                for r in stale
                if r.application_id is not None
            }
            self._fill_rows()
            if stale:
                names = "、".join(r.name for r in stale)
                hint = f"{names} 已不在“待事务所审核”状态（标红），请移除后再提交；已选的材料仍保留。"
            else:
                hint = "申请已更新，已选的材料仍保留，可再次提交。"
            self.banner.show_message(f"{message}\n{hint}", Tone.ERROR)

        self.op(self, lambda: [client.application(i).row for i in ids], key="recheck").success(ok).failure(
            lambda _e: None
        ).run()

    def reject(self) -> None:
        # Esc or 关闭 during an upload cancels the upload first; a second press closes.
        if self.upload.active:
            self.cancel_upload()
            return
        if self.result_batch is not None:
            self.accept()
            return
        super().reject()
