"""Qt adapter of `OfflineAttachments`: after each successful sync, keeps the reviewer's attachments in the background.

`AttachmentKeeper` runs `census` when a year is loaded (what is on disk already, no request) and `keep` after
each sync that reached the server, on the task runner's pool, never on the UI thread; a new run, `cancel()` and
the window closing stop the one under way between two files. `changed` tells the status bar and the 附件
actions; `refusal(record)` says why 附件 cannot open offline (nothing kept for that row).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from firmdesk.services.models import BatchRow, CpaRow
from firmdesk.services.offline_attachments import (
    APPLICATION,
    BATCH,
    NOT_KEPT_APPLICATION,
    NOT_KEPT_BATCH,
    KeptAttachments,
    OfflineAttachments,
)
from firmdesk.ui.tasks import TaskRunner


def offline_status_text(kept: KeptAttachments) -> tuple[str, str]:
    """The status bar's short text and its tooltip."""
    text = f"附件离线可用 {kept.kept}/{kept.wanted}"
    size_mb = kept.bytes / (1024 * 1024)
    tooltip = (
        f"“注师待审核”和已退回批次中，{kept.kept} 项（共 {kept.wanted} 项）的附件已保存在本机，"
        f"离线时也可打开（{kept.files} 个文件，{size_mb:.1f} MB）"
    )
    if kept.over_limit:
        tooltip += f"；另有 {kept.over_limit} 项因超出离线附件空间上限未保存（较早提交的）"
    return text, tooltip


class AttachmentKeeper(QObject):
    changed = Signal(object)  # KeptAttachments

    def __init__(
        self,
        offline: OfflineAttachments,
        runner: TaskRunner,
        is_online: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.offline = offline
        self._runner = runner
        self._is_online = is_online
        self._stop = threading.Event()
        self.kept: KeptAttachments | None = None
        self.running = False

    def census(self, year: int) -> None:
        """What is already on disk (at load, before any sync: 离线打开 knows at once)."""
        self._runner.op(self, lambda: self.offline.census(year), key="census").success(self._show).failure(
            lambda _exc: None  # a cache that cannot be read says so where the tabs read it
        ).run()

    def keep(self, year: int) -> None:
        """Fetch what is missing in the background (the run under way, if any, is stopped first)."""
        self._stop.set()
        stop = self._stop = threading.Event()
        self.running = True
        self._runner.op(self, lambda: self.offline.keep(year, stop.is_set), key="keep").success(self._kept).failure(
            self._failed
        ).run()

    def cancel(self) -> None:
        self._stop.set()

    def refusal(self, record: object) -> str | None:
        """Why 附件 of `record` cannot open now: offline and its attachments are not kept (None otherwise)."""
        if self._is_online():
            return None
        kept = self.kept or KeptAttachments()
        if isinstance(record, CpaRow) and record.application_id is not None:
            return None if kept.has(APPLICATION, record.application_id) else NOT_KEPT_APPLICATION
        if isinstance(record, BatchRow):
            return None if kept.has(BATCH, record.id) else NOT_KEPT_BATCH
        return None

    def _kept(self, kept: KeptAttachments) -> None:
        self.running = False
        self._show(kept)

    def _failed(self, _exc: BaseException) -> None:
        self.running = False

    def _show(self, kept: KeptAttachments) -> None:
        self.kept = kept
        self.changed.emit(kept)
