"""审批流程 of one application: every event (who, role, action, reason, time) as a vertical timeline."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from firmdesk.services.api_client import CmisClient
from firmdesk.services.models import CpaRow, TrailEvent
from firmdesk.ui.dialogs.base import ServiceDialog
from firmdesk.ui.error_text import error_text
from firmdesk.ui.palette import status_colour
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.badge import colour_badge
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.timeline import TimelineView


class TrailDialog(ServiceDialog):
    """Loads `client.trail(row.application_id)`; a CPA with no application shows an empty trail."""

    loaded = Signal(list)  # list[TrailEvent]

    def __init__(self, client: CmisClient, runner: TaskRunner, row: CpaRow, *, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.setObjectName("trailDialog")
        self.setWindowTitle(f"审批流程 - {row.name}")
        self.resize(640, 640)
        self._client = client
        self.row = row
        self.events: list[TrailEvent] = []

        title = QLabel(f"{row.name}（{row.cert_no}）　{row.year} 年度年检", self)
        title.setObjectName("trailTitle")
        title.setStyleSheet("QLabel { font-size:15px; font-weight:bold; }")
        status = colour_badge(row.status_label, status_colour(row.status), self)
        status.setObjectName("trailStatusBadge")
        self.timeline = TimelineView(self)
        self.banner = MessageBanner("trailMessage", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(status, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.timeline, 1)
        layout.addWidget(self.banner)
        layout.addWidget(buttons)

        if row.application_id is None:
            self.timeline.set_events(())
        else:
            self.reload()

    def reload(self) -> None:
        client, app_id = self._client, self.row.application_id
        assert app_id is not None
        self.banner.show_message("正在加载审批流程…", Tone.INFO)
        self.op(self, lambda: client.trail(app_id), key="load").success(self._show).failure(self._failed).run()

    def _show(self, events: list[TrailEvent]) -> None:
        self.banner.clear_message()
        self.events = list(events)
        self.timeline.set_events(self.events)
        if self.timeline.entries:
            self.timeline.ensureWidgetVisible(self.timeline.entries[-1])
        self.loaded.emit(self.events)

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_message(error_text(exc), Tone.ERROR)
