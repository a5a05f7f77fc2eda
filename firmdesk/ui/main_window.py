"""The firm's main window: header strip (year, deadline, progress), the five tabs, menus and status bar."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from firmdesk.domain.states import FirmTab
from firmdesk.services.api_client import CmisClient
from firmdesk.services.errors import ServerUnreachable, SessionExpired
from firmdesk.services.models import BatchRow, CpaRow, FirmInfo, FirmSummary
from firmdesk.ui.details_dialog import BatchDetailsDialog, CpaDetailsDialog
from firmdesk.ui.error_text import error_text
from firmdesk.ui.header_strip import HeaderStrip
from firmdesk.ui.notice_banner import NoticeBanner
from firmdesk.ui.resources import app_icon
from firmdesk.ui.tabs.batch_tabs import ReturnedTab, SubmittedTab
from firmdesk.ui.tabs.not_applied_tab import NotAppliedTab
from firmdesk.ui.tabs.pending_review_tab import PendingReviewTab
from firmdesk.ui.tabs.query_tab import QueryTab
from firmdesk.ui.tabs.record_tab import RecordTab
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from firmdesk.ui.year_data import YearData
from firmdesk.ui.year_loader import YearLoader


class MainWindow(QMainWindow):
    logout_requested = Signal()
    session_expired = Signal()
    data_shown = Signal(int)  # year: every part of a load arrived (some may have failed)
    first_data_painted = Signal()  # once: a tab showed rows for the first time

    def __init__(
        self,
        client: CmisClient,
        firm: FirmInfo,
        runner: TaskRunner,
        settings: UiSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle(f"FirmDesk 注册会计师年检 — {firm.name}")
        self.setWindowIcon(app_icon())
        self.client = client
        self.firm = firm
        self.runner = runner
        self.settings = settings
        self._first_painted = False
        self._online = True

        self.loader = YearLoader(client, runner, self)
        self.loader.data_changed.connect(self._data_arrived)
        self.loader.summary_loaded.connect(self._summary_arrived)
        self.loader.part_failed.connect(self._part_failed)
        self.loader.started.connect(self._load_started)
        self.loader.finished.connect(self._load_finished)
        self.loader.synced.connect(self._synced)
        runner.failed.connect(self.show_error)

        self.header = HeaderStrip(self)
        self.header.year_chosen.connect(self._year_chosen)
        self.notice = NoticeBanner(self)

        self.tab_widget = QTabWidget(self)
        self.tab_widget.setObjectName("firm_tabs")
        self.tab_widget.setDocumentMode(True)
        self.tabs: dict[FirmTab, RecordTab[Any]] = {}
        for tab in (PendingReviewTab(self), NotAppliedTab(self), SubmittedTab(self), ReturnedTab(self), QueryTab(self)):
            self.tabs[tab.tab] = tab
            self.tab_widget.addTab(tab, tab.tab.label)
            tab.count_changed.connect(lambda _n, t=tab: self._update_tab_label(t))
            tab.record_activated.connect(self.show_details)
            tab.restore_header_state(settings.header_state(tab.tab.value))
            self._update_tab_label(tab)
        self.tab_widget.setCurrentIndex(min(max(settings.current_tab(), 0), len(self.tabs) - 1))

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.notice)
        layout.addWidget(self.tab_widget, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_status_bar()
        geometry = settings.window_geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 720)

        years = list(firm.years)
        last = settings.last_year(firm.number)
        year = last if last is not None and last in years else firm.current_year
        self.header.set_years(years, year)

    # set-up
    def _build_actions(self) -> None:
        self.refresh_action = QAction("刷新", self)
        self.refresh_action.setObjectName("refresh_action")
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.refresh_action.triggered.connect(self.refresh)
        self.find_action = QAction("查找", self)
        self.find_action.setObjectName("find_action")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        self.logout_action = QAction("注销", self)
        self.logout_action.setObjectName("logout_action")
        self.logout_action.triggered.connect(self.logout_requested)
        self.quit_action = QAction("退出", self)
        self.quit_action.setObjectName("quit_action")
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)

        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("文件(&F)")
        file_menu.setObjectName("file_menu")
        file_menu.addAction(self.refresh_action)
        file_menu.addAction(self.find_action)
        file_menu.addSeparator()
        file_menu.addAction(self.logout_action)
        file_menu.addAction(self.quit_action)
        self.addAction(self.refresh_action)
        self.addAction(self.find_action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("status_bar")
        self.firm_label = QLabel(f"{self.firm.name}（{self.firm.number}）", self)
        self.firm_label.setObjectName("status_firm")
        self.online_label = QLabel(self)
        self.online_label.setObjectName("status_online")
        self.sync_label = QLabel("尚未同步", self)
        self.sync_label.setObjectName("status_sync")
        # Wide enough for the longest text, so the status bar does not jump at each sync.
        widest = self.sync_label.fontMetrics().horizontalAdvance("同步失败 · 最后同步 00:00:00")
        self.sync_label.setMinimumWidth(widest + 24)
        bar.addPermanentWidget(self.firm_label)
        bar.addPermanentWidget(self.online_label)
        bar.addPermanentWidget(self.sync_label)
        self._set_online(True)

    # public
    def start(self) -> None:
        """Load the chosen year (called once the window is shown)."""
        year = self.header.year()
        if year is not None:
            self.loader.load(year)
        self.current_tab().table.setFocus()

    def year(self) -> int | None:
        return self.header.year()

    def refresh(self) -> None:
        year = self.header.year()
        if year is not None:
            self.statusBar().showMessage("正在刷新…")
            self.loader.load(year)

    def current_tab(self) -> RecordTab[Any]:
        widget = self.tab_widget.currentWidget()
        assert isinstance(widget, RecordTab)
        return widget

    def focus_search(self) -> None:
        self.current_tab().focus_search()

    def tab_label(self, tab: FirmTab) -> str:
        return self.tab_widget.tabText(self.tab_widget.indexOf(self.tabs[tab]))

    def show_error(self, exc: BaseException) -> None:
        """A failed call: say it in the status bar and the notice strip; what is on screen stays."""
        if isinstance(exc, SessionExpired):
            self.session_expired.emit()
            return
        if isinstance(exc, ServerUnreachable):
            self._set_online(False)
        message = error_text(exc)
        self.statusBar().showMessage(message, 10000)
        self.notice.show_message(message, "error")

    def show_details(self, record: object) -> None:
        if isinstance(record, CpaRow):
            dialog: CpaDetailsDialog | BatchDetailsDialog = CpaDetailsDialog(record, self.client, self.runner, self)
        elif isinstance(record, BatchRow):
            dialog = BatchDetailsDialog(record, self.client, self.runner, self)
        else:
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def save_state(self) -> None:
        self.settings.save_window_geometry(self.saveGeometry())
        self.settings.save_current_tab(self.tab_widget.currentIndex())
        for tab in self.tabs.values():
            self.settings.save_header_state(tab.tab.value, tab.header_state())
        year = self.header.year()
        if year is not None:
            self.settings.save_last_year(self.firm.number, year)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)

    # slots
    def _year_chosen(self, year: int) -> None:
        self.settings.save_last_year(self.firm.number, year)
        for tab in self.tabs.values():
            tab.clear()
        self.loader.load(year)

    def _load_started(self, year: int) -> None:
        self.sync_label.setText("正在同步…")

    def _data_arrived(self, data: YearData, part: str) -> None:
        for tab in self.tabs.values():
            if tab.part == part:
                tab.show_data(data)
        self._set_online(True)
        if not self._first_painted and self.current_tab().part == part:
            self._first_painted = True
            self.current_tab().table.viewport().repaint()
            self.first_data_painted.emit()

    def _summary_arrived(self, summary: FirmSummary) -> None:
        self.header.show_summary(summary)

    def _part_failed(self, exc: BaseException) -> None:
        self.show_error(exc)

    def _load_finished(self, year: int, ok: bool) -> None:
        if ok:
            self.notice.hide()
            self.statusBar().showMessage(f"{year} 年度数据已更新", 4000)
        elif self.loader.last_sync is not None:
            self.sync_label.setText(f"同步失败 · 最后同步 {self.loader.last_sync:%H:%M:%S}")
        else:
            self.sync_label.setText("同步失败")
        self.data_shown.emit(year)

    def _synced(self, when: Any) -> None:
        self.sync_label.setText(f"最后同步 {when:%H:%M:%S}")

    def _set_online(self, online: bool) -> None:
        self._online = online
        self.online_label.setText("● 在线" if online else "● 离线")
        self.online_label.setProperty("online", "true" if online else "false")
        self.online_label.style().unpolish(self.online_label)
        self.online_label.style().polish(self.online_label)

    @property
    def online(self) -> bool:
        return self._online

    def _update_tab_label(self, tab: RecordTab[Any]) -> None:
        index = self.tab_widget.indexOf(tab)
        label = tab.tab.label
        self.tab_widget.setTabText(index, f"{label} ({tab.total_count()})" if tab.loaded else label)
