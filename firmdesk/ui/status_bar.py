"""The main window's status bar: messages on the left; the firm, 在线/离线, the last sync (and, when the disk
cannot be used, that this session's data is kept in memory only) on the right."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from firmdesk.services.models import FirmInfo

REFRESHING = "正在刷新…"
FULL_RESYNCING = "正在完全重新同步…"
SYNCING = "正在同步…"
NOT_SYNCED = "尚未同步"
IN_MEMORY = "本次使用内存缓存"
DRAFTS_RECOVERED = "草稿已从损坏的文件中恢复"
IN_MEMORY_TOOLTIP = "本地数据无法保存到磁盘，本次使用内存缓存：离线浏览和退回草稿仍可使用，但退出后不会保留"


class FirmStatusBar(QStatusBar):
    def __init__(self, firm: FirmInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_bar")
        self.firm_label = QLabel(f"{firm.name}（{firm.number}）", self)
        self.firm_label.setObjectName("status_firm")
        self.store_label = QLabel(IN_MEMORY, self)
        self.store_label.setObjectName("status_store")
        self.store_label.setToolTip(IN_MEMORY_TOOLTIP)
        self.store_label.hide()
        # A local file found damaged this session: 本地缓存已重建, 草稿已恢复 … (the tooltip says where it went).
        self.repair_label = QLabel(self)
        self.repair_label.setObjectName("status_repair")
        self.repair_label.hide()
        self.drafts_label = QLabel(DRAFTS_RECOVERED, self)
        self.drafts_label.setObjectName("status_drafts_recovered")
        self.drafts_label.hide()
        # How many of the reviewer's attachments open offline (`attachment_keeper.py`), once known.
        self.attachments_label = QLabel(self)
        self.attachments_label.setObjectName("status_offline_attachments")
        self.attachments_label.hide()
        self.online_label = QLabel(self)
        self.online_label.setObjectName("status_online")
        self.sync_label = QLabel(NOT_SYNCED, self)
        self.sync_label.setObjectName("status_sync")
        # Wide enough for the longest text, so the status bar does not jump at each sync.
        metrics = self.sync_label.fontMetrics()
        longest = ("同步失败 · 最后同步 00:00:00", "最后同步 00:00:00（离线，自动重试中）")
        widest = max(metrics.horizontalAdvance(text) for text in longest)
        self.sync_label.setMinimumWidth(widest + 24)
        self.addPermanentWidget(self.firm_label)
        self.addPermanentWidget(self.store_label)
        self.addPermanentWidget(self.repair_label)
        self.addPermanentWidget(self.drafts_label)
        self.addPermanentWidget(self.attachments_label)
        self.addPermanentWidget(self.online_label)
        self.addPermanentWidget(self.sync_label)

    def set_online(self, online: bool) -> None:
        self.online_label.setText("● 在线" if online else "● 离线")
        self.online_label.setProperty("online", "true" if online else "false")
        self.online_label.style().unpolish(self.online_label)
        self.online_label.style().polish(self.online_label)

    def set_sync_text(self, text: str) -> None:
        self.sync_label.setText(text)

    def show_in_memory(self, in_memory: bool) -> None:
        """Say (for the whole session) that the local data lives in memory: the disk could not be used."""
        self.store_label.setVisible(in_memory)

    def show_offline_attachments(self, text: str, tooltip: str, wanted: int) -> None:
        """附件离线可用 n/m; hidden while nothing is waiting for review."""
        self.attachments_label.setText(text)
        self.attachments_label.setToolTip(tooltip)
        self.attachments_label.setVisible(wanted > 0)

    def show_repair(self, text: str, tooltip: str) -> None:
        """Say for the rest of the session that a local file was damaged and what became of it."""
        self.repair_label.setText(text)
        self.repair_label.setToolTip(tooltip)
        self.repair_label.show()

    def show_drafts_recovered(self, tooltip: str) -> None:
        """The drafts file was damaged: 草稿已恢复 for the session, the tooltip says where the original is."""
        self.drafts_label.setToolTip(tooltip)
        self.drafts_label.show()

    def clear_progress(self) -> None:
        """Drop 正在刷新… once the sync is over (the notice strip and the sync label say how it went)."""
        if self.currentMessage() in (REFRESHING, FULL_RESYNCING):
            self.clearMessage()
