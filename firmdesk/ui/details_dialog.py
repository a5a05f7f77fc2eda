"""Read-only details of a CPA's application (double-click on a CPA row): info, attachments, approval trail.

A batch's details are the BatchDialog (查看), which also withdraws and resubmits.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from firmdesk.services.api_client import CmisClient
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.models import ApplicationDetail, CpaRow, TrailEvent
from firmdesk.services.sync import application_detail
from firmdesk.ui.formatting import date_text, datetime_text, hours_text, retired_text
from firmdesk.ui.sync_controller import CACHED_DETAIL_NOTE, SyncController, detail_error_text
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.attachments_panel import AttachmentsPanel
from firmdesk.ui.widgets.screen_fit import fit_to_screen
from firmdesk.ui.widgets.timeline import TimelineView


def _table(parent: QWidget, name: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value if len(value) > 16 else "")
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


class _DetailsDialog(QDialog):
    loaded = Signal()
    load_failed = Signal(str)

    def __init__(self, title: str, parent: QWidget | None, sync: SyncController | None = None) -> None:
        super().__init__(parent)
        self._sync = sync
        self.setWindowTitle(title)
        fit_to_screen(self, 900, 660)  # room for the 附件 page's preview
        self.title_label = QLabel(title, self)
        self.title_label.setProperty("role", "title")
        self.status_label = QLabel("正在加载…", self)
        self.status_label.setObjectName("details_status")
        self.status_label.setProperty("role", "muted")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("details_tabs")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    def _failed(self, exc: BaseException) -> None:
        message = detail_error_text(exc, self._sync)
        self.status_label.setText(f"加载失败：{message}")
        self.status_label.setProperty("role", "error")
        self.status_label.style().polish(self.status_label)
        self.load_failed.emit(message)


def _form(parent: QWidget, pairs: Sequence[tuple[str, str]], columns: int = 2) -> QWidget:
    widget = QWidget(parent)
    grid = QGridLayout(widget)
    grid.setHorizontalSpacing(16)
    grid.setVerticalSpacing(8)
    for i, (label, value) in enumerate(pairs):
        row, col = divmod(i, columns)
        caption = QLabel(label, widget)
        caption.setProperty("role", "caption")
        text = QLabel(value or "—", widget)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(caption, row, col * 2)
        grid.addWidget(text, row, col * 2 + 1)
    grid.setRowStretch(grid.rowCount(), 1)
    return widget


class CpaDetailsDialog(_DetailsDialog):
    """The CPA's application for the year: personal info, inspection info, attachments, approval trail."""

    def __init__(
        self,
        row: CpaRow,
        client: CmisClient,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        sync: SyncController | None = None,
        attachments: AttachmentCache | None = None,
    ) -> None:
        """`sync`: with the window's local store, offline shows the cached detail (the trail needs the server).
        `attachments`: the attachment cache; the 附件 page then previews as the 附件 window does."""
        super().__init__(f"{row.name}（{row.cert_no}）{row.year} 年度年检", parent, sync)
        self.setObjectName("cpa_details_dialog")
        self.row = row
        if row.application_id is None:
            self.status_label.setText("该注师本年度尚未申请年检")
            who = [("姓名", row.name), ("性别", row.gender or "")]
            self.tabs.addTab(_form(self, who + self._row_pairs(row)), "年检信息")
            return
        application_id = row.application_id

        store = sync.store if sync is not None else None
        self.cached = False  # shown from the local store (offline)
        self._stale = True  # nothing from the server shown yet: reloaded when the connection comes back

        def fetch() -> tuple[ApplicationDetail, list[TrailEvent] | None]:
            if store is None:
                return client.application(application_id), client.trail(application_id)
            fetched = application_detail(client, store, application_id)
            return fetched.value, (client.trail(application_id) if fetched.fresh else None)

        self._fetch, self._runner = fetch, runner
        self._client = client
        self._cache = attachments if attachments is not None else AttachmentCache.for_user()
        if sync is not None:
            sync.state_changed.connect(self._server_state_changed)
        self._load()

    def _load(self) -> None:
        # key: a reload (back online) drops the answer of a load still on its way
        self._runner.op(self, self._fetch, key="load").success(self._show).failure(self._failed).run()

    def _server_state_changed(self, online: bool) -> None:
        """Back online while showing the cached copy (or nothing): load the server's, with the trail."""
        if online and self._stale:
            self.status_label.setText("已重新联网，正在加载…")
            self.status_label.setProperty("role", "muted")
            self.status_label.style().polish(self.status_label)
            self._load()

    @staticmethod
    def _row_pairs(row: CpaRow) -> list[tuple[str, str]]:
        return [
            ("证书编号", row.cert_no),
            ("审批状态", row.status_label),
            ("年检年度", str(row.year)),
            ("在职状态", retired_text(row.retired)),
            ("培训学时", hours_text(row.training_hours)),
            ("年检批次编号", row.batch_number or ""),
            ("提交时间", datetime_text(row.submitted_at)),
            ("审批时间", datetime_text(row.decided_at)),
            ("原因", row.reason or ""),
        ]

    def _show(self, result: tuple[ApplicationDetail, list[TrailEvent] | None]) -> None:
        detail, events = result
        self.cached = events is None
        self._stale = self.cached
        if not self.cached and self._sync is not None:
            self._sync.apply_answer([detail.row], detail.batches)  # the tabs agree with this view
        while self.tabs.count():  # a reload replaces the pages
            page = self.tabs.widget(0)
            self.tabs.removeTab(0)
            page.deleteLater()
        p = detail.profile
        personal = [
            ("姓名", p.name),
            ("民族", p.ethnicity or ""),
            ("性别", p.gender or ""),
            ("出生日期", date_text(p.birth_date)),
            ("有效证件名称", p.id_type or ""),
            ("有效证件号码", p.id_number or ""),
            ("籍贯", p.native_place or ""),
            ("所在地区", p.region or ""),
            ("户口所在地", p.hukou or ""),
            ("政治面貌", p.political_status or ""),
        ]
        self.tabs.addTab(_form(self, personal), "个人信息")
        self.tabs.addTab(_form(self, self._row_pairs(detail.row)), "年检信息")
        # The same views as the 附件 and 审批流程 windows: a previewing file list, a timeline.
        panel = AttachmentsPanel(
            self._runner, self._cache, self._client.attachment_content, orientation=Qt.Orientation.Vertical, parent=self
        )
        panel.set_attachments(detail.attachments)
        self.attachments_panel = panel
        self.tabs.addTab(panel, f"附件 ({len(detail.attachments)})")
        if events is not None:  # the trail is not cached
            self.timeline = TimelineView(self)
            self.timeline.set_events(events)
            self.tabs.addTab(self.timeline, "审批流程")
        status = f"审批状态：{detail.row.status_label}"
        self.status_label.setText(f"{status}　（{CACHED_DETAIL_NOTE}，审批流程需联网查看）" if self.cached else status)
        self.loaded.emit()
