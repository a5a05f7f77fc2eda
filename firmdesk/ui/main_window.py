"""The firm's main window: header strip (year, deadline, progress), the five tabs and their actions, status bar.

The tabs show the local cache first and its `SyncController` syncs in the background (the stores are on
disk, or in memory when the disk cannot be used: the status bar then says so); the window follows
online/offline, and a sixth page, 草稿, lists the drafted return reasons. The tabs' actions are declared in
`tab_actions.py`, the status bar in `status_bar.py`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QTabWidget, QVBoxLayout, QWidget

from firmdesk.domain.portal import cpa_portal_url
from firmdesk.domain.states import FirmTab
from firmdesk.services.api_client import CmisClient
from firmdesk.services.errors import ServerUnreachable, SessionExpired
from firmdesk.services.models import BatchRow, CpaRow, FirmInfo, FirmSummary
from firmdesk.ui.desk_services import DeskServices
from firmdesk.ui.dialogs.help_dialogs import AboutDialog, AboutFacts, ShortcutsDialog
from firmdesk.ui.draft_editor import DraftEditor
from firmdesk.ui.drafts_view import DraftsView
from firmdesk.ui.error_text import error_text
from firmdesk.ui.exports import TabExports
from firmdesk.ui.header_strip import HeaderStrip
from firmdesk.ui.notice_banner import NoticeBanner
from firmdesk.ui.resources import app_icon
from firmdesk.ui.status_bar import FULL_RESYNCING, REFRESHING, SYNCING, FirmStatusBar
from firmdesk.ui.sync_controller import SyncController, offline_reason
from firmdesk.ui.tab_actions import TabActionContext, install_tab_actions
from firmdesk.ui.tabs.batch_tabs import ReturnedTab, SubmittedTab
from firmdesk.ui.tabs.not_applied_tab import NotAppliedTab
from firmdesk.ui.tabs.pending_review_tab import PendingReviewTab
from firmdesk.ui.tabs.query_tab import QueryTab
from firmdesk.ui.tabs.record_tab import RecordTab
from firmdesk.ui.tabs.review_actions import ReviewActions
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from firmdesk.ui.widgets.screen_fit import fit_to_screen, keep_on_screen
from firmdesk.ui.widgets.upload_progress import UploadProgress
from firmdesk.ui.year_data import YearData


class MainWindow(QMainWindow):
    logout_requested = Signal()
    session_expired = Signal(str)  # why (shown in the login dialog)
    data_shown = Signal(int)  # year: every part of a load arrived (some may have failed)
    first_data_painted = Signal()  # once: a tab showed rows for the first time

    def __init__(
        self,
        client: CmisClient,
        firm: FirmInfo,
        runner: TaskRunner,
        settings: UiSettings,
        parent: QWidget | None = None,
        *,
        sync: SyncController,
        services: DeskServices | None = None,
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
        self._action_message: str | None = None  # said again once the refresh after an action is done
        #: The server's latest summary of each year: the header and the window rule of 申请 follow it.
        self._summaries: dict[int, FirmSummary] = {}
        self.services = services if services is not None else DeskServices.for_user()
        self._leaving = False  # 注销/退出 confirmed: closing asks nothing more
        self.sync = sync
        self.actions = ReviewActions(client, runner, self.services, firm, self, sync=sync)
        self.actions.changed.connect(self.action_done)
        self.actions.refused.connect(self._action_refused)

        sync.setParent(self)  # stopped and deleted with the window; the shell closes its stores
        sync.data_changed.connect(self._data_arrived)
        sync.summary_loaded.connect(self._summary_arrived)
        sync.part_failed.connect(self._part_failed)
        sync.started.connect(self._load_started)
        sync.finished.connect(self._load_finished)
        sync.synced.connect(self._synced)
        runner.failed.connect(self.show_error)

        self.header = HeaderStrip(self)
        self.exports = TabExports(
            runner, self.services.prompts, firm.name, self.header.year, self.services.qr_images, self
        )
        self.exports.message.connect(self._export_message)
        self.header.year_chosen.connect(self._year_chosen)
        self.notice = NoticeBanner(self)
        sync.state_changed.connect(self._connection_changed)
        sync.notice.connect(self._sync_notice)

        self.tab_widget = QTabWidget(self)
        self.tab_widget.setObjectName("firm_tabs")
        self.tab_widget.setDocumentMode(True)
        self.tabs: dict[FirmTab, RecordTab[Any]] = {}
        self.pending_tab = PendingReviewTab(self)
        self.not_applied_tab = NotAppliedTab(self)
        self.submitted_tab = SubmittedTab(self)
        self.returned_tab = ReturnedTab(self)
        self.query_tab = QueryTab(self)
        for tab in (self.pending_tab, self.not_applied_tab, self.submitted_tab, self.returned_tab, self.query_tab):
            self.tabs[tab.tab] = tab
            self.tab_widget.addTab(tab, tab.tab.label)
            tab.count_changed.connect(lambda _n, t=tab: self._update_tab_label(t))
            tab.record_activated.connect(self.show_details)
            tab.restore_header_state(settings.header_state(tab.tab.value))
            self._update_tab_label(tab)
        self.drafts_view = DraftsView(sync.drafts, sync, self)
        self.tab_widget.addTab(self.drafts_view, "草稿")
        self.drafts_view.count_changed.connect(self._update_drafts_label)
        self.actions.drafts_edited.connect(self.drafts_view.reload)
        self._update_drafts_label(self.drafts_view.unsent_count())
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
        self._build_tab_actions()
        self._build_status_bar()
        geometry = settings.window_geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            fit_to_screen(self, 1280, 720)
        else:
            keep_on_screen(self)  # saved on a larger (or another) monitor: shrink it onto this one

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
        self.full_resync_action = QAction("完全重新同步", self)
        self.full_resync_action.setObjectName("full_resync_action")
        self.full_resync_action.setToolTip("重新下载本年度的全部记录（本机缓存与服务器不一致时使用）")
        self.full_resync_action.triggered.connect(self.full_resync)
        self.find_action = QAction("查找", self)
        self.find_action.setObjectName("find_action")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        self.logout_action = QAction("注销", self)
        self.logout_action.setObjectName("logout_action")
        self.logout_action.triggered.connect(self.request_logout)
        self.quit_action = QAction("退出", self)
        self.quit_action.setObjectName("quit_action")
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)

        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("文件(&F)")
        file_menu.setObjectName("file_menu")
        file_menu.addAction(self.refresh_action)
        file_menu.addAction(self.full_resync_action)
        file_menu.addAction(self.find_action)
        file_menu.addSeparator()
        file_menu.addAction(self.logout_action)
        file_menu.addAction(self.quit_action)
        self.addAction(self.refresh_action)
        self.addAction(self.find_action)
        # Ctrl+Tab / Ctrl+PgDn: the next tab, wherever the focus is (the table would keep the keys otherwise).
        for keys, step in (("Ctrl+Tab", 1), ("Ctrl+PgDown", 1), ("Ctrl+Shift+Tab", -1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(lambda step=step: self.switch_tab(step))

        help_menu = menu_bar.addMenu("帮助(&H)")
        help_menu.setObjectName("help_menu")
        self.shortcuts_action = help_menu.addAction("快捷键", self.show_shortcuts)
        self.shortcuts_action.setObjectName("shortcuts_action")
        self.portal_action = help_menu.addAction("注册会计师网页端", self.open_cpa_portal)
        self.portal_action.setObjectName("cpa_portal_action")
        self.portal_action.setStatusTip(f"在浏览器中打开注册会计师网页端：{cpa_portal_url(self.client.base_url)}")
        self.about_action = help_menu.addAction("关于 FirmDesk", self.show_about)
        self.about_action.setObjectName("about_action")

    def _build_tab_actions(self) -> None:
        """Each tab's action bar (the same actions in its right-click menu), from `tab_actions.TAB_ACTIONS`."""
        # The closures kept by the tabs' action bars must not hold the window itself.
        header, current_year, sync = self.header, self.firm.current_year, self.sync

        def year() -> int:
            chosen = header.year()
            return chosen if chosen is not None else current_year

        summaries = self._summaries

        def submit_window(rows: list[CpaRow]) -> str | None:
            summary = summaries.get(year())
            return summary.submit_refusal(r.application_id for r in rows) if summary is not None else None

        install_tab_actions(self.tabs, TabActionContext(self.actions, self.exports, year, submit_window))
        for tab in self.tabs.values():
            # 申请/撤回/再次申请 need the server: the action bars disable them offline (their one enable rule).
            tab.action_bar.set_server_gate(lambda: offline_reason(sync))
            sync.state_changed.connect(tab.action_bar.refresh)
        for tab in (self.not_applied_tab, self.query_tab):
            tab.link_clicked.connect(self._status_clicked)

    def _status_clicked(self, row: CpaRow) -> None:
        if row.application_id is None:
            self.statusBar().showMessage(f"{row.name} 本年度尚未申请年检，没有审批流程", 6000)
        else:
            self.actions.trail(row)

    def _action_refused(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _export_message(self, text: str, ok: bool) -> None:
        self.statusBar().showMessage(text, 15000)
        if not ok:
            self.notice.show_message(text, "error")

    def _build_status_bar(self) -> None:
        self.status = FirmStatusBar(self.firm, self)
        self.setStatusBar(self.status)
        self.firm_label = self.status.firm_label
        self.online_label = self.status.online_label
        self.sync_label = self.status.sync_label
        self.status.show_in_memory(self.sync.store.in_memory)
        self.sync.store_status.connect(self.status.show_repair)
        self._set_online(self.sync.online)

    # public
    def start(self) -> None:
        """Load the chosen year (called once the window is shown)."""
        year = self.header.year()
        if year is not None:
            self.sync.load(year)
        self.current_tab().table.setFocus()

    def year(self) -> int | None:
        return self.header.year()

    def refresh(self) -> None:
        """F5: with the local store, a sync of what changed (one small request when nothing did)."""
        year = self.header.year()
        if year is not None:
            if self._action_message is None:
                self.statusBar().showMessage(REFRESHING)
            if self.sync.year == year:
                self.sync.refresh()
            else:
                self.sync.load(year)

    def full_resync(self) -> None:
        """文件 → 完全重新同步: download the whole year again."""
        self.statusBar().showMessage(FULL_RESYNCING)
        self.sync.full_resync()

    def action_done(self, message: str) -> None:
        """An action changed the server: say so, and refresh every tab (a CPA moves between tabs)."""
        self._action_message = message
        self.statusBar().showMessage(message, 15000)
        self.notice.show_message(message, "info", 15000)
        self.refresh()

    def current_tab(self) -> RecordTab[Any]:
        """The record tab shown; 注师待审核 while the 草稿 page shows (it is not a record tab)."""
        widget = self.tab_widget.currentWidget()
        return widget if isinstance(widget, RecordTab) else self.pending_tab

    def focus_search(self) -> None:
        if isinstance(self.tab_widget.currentWidget(), RecordTab):
            self.current_tab().focus_search()

    def tab_label(self, tab: FirmTab) -> str:
        return self.tab_widget.tabText(self.tab_widget.indexOf(self.tabs[tab]))

    def show_error(self, exc: BaseException) -> None:
        """A failed call: say it in the status bar and the notice strip; what is on screen stays."""
        if isinstance(exc, SessionExpired):
            self.session_expired.emit(exc.message)
            return
        if isinstance(exc, ServerUnreachable):
            self.sync.report_unreachable(exc)  # goes offline (if not yet), says so once, retries
            return
        message = error_text(exc)
        self.statusBar().showMessage(message, 10000)
        self.notice.show_message(message, "error")

    def switch_tab(self, step: int) -> None:
        tabs = self.tab_widget
        if tabs.count():
            tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_cpa_portal(self) -> str:
        """帮助 › 注册会计师网页端: the server's CPA portal in the browser (what the firm's CPAs see)."""
        url = cpa_portal_url(self.client.base_url)
        QDesktopServices.openUrl(QUrl(url))
        self.statusBar().showMessage(f"已在浏览器中打开注册会计师网页端：{url}", 8000)
        return url

    def show_about(self) -> AboutDialog:
        folder = self.sync.store.path.parent
        facts = AboutFacts(self.client.base_url, f"{self.firm.name}（{self.firm.number}）", folder)
        dialog = AboutDialog(facts, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_details(self, record: object) -> None:
        """Double-click: a CPA's details (info, attachments, trail); a batch's 查看 (which also withdraws…)."""
        if isinstance(record, CpaRow):
            self.actions.details(record)
        elif isinstance(record, BatchRow):
            self.actions.open_batch(record)

    def save_state(self) -> None:
        self.settings.save_window_geometry(self.saveGeometry())
        self.settings.save_current_tab(self.tab_widget.currentIndex())
        for tab in self.tabs.values():
            self.settings.save_header_state(tab.tab.value, tab.header_state())
        year = self.header.year()
        if year is not None:
            self.settings.save_last_year(self.firm.number, year)
        self.settings.sync()

    # leaving while batch materials upload (the submit and batch dialogs are not modal)
    def uploading(self) -> list[UploadProgress]:
        return [progress for progress in self.findChildren(UploadProgress) if progress.active]

    def may_leave(self, action: str) -> bool:
        """注销 / 退出: with an upload under way, ask first; yes cancels it (the batch is then not submitted)."""
        uploads = self.uploading()
        if self._leaving or not uploads:
            return True
        text = f"批次材料正在上传，尚未提交省注协。\n{action}将取消上传，这一批次不会提交。"
        if not self.services.prompts.confirm(self, action, text, f"取消上传并{action}"):
            return False
        for progress in uploads:
            progress.cancel_button.click()
        return True

    def request_logout(self) -> None:
        if self.may_leave("注销"):
            self._leaving = True
            self.logout_requested.emit()

    def close_now(self) -> None:
        """Close without asking (the shell, after 注销 was confirmed or the session expired)."""
        self._leaving = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.may_leave("退出"):
            event.ignore()
            return
        self._leaving = True
        self.sync.stop()
        for editor in self.findChildren(DraftEditor):
            editor.close()  # saves what was typed in the last 300 ms, before the shell closes the store
        self.save_state()
        super().closeEvent(event)

    # slots
    def _year_chosen(self, year: int) -> None:
        self.settings.save_last_year(self.firm.number, year)
        for tab in self.tabs.values():
            tab.clear()
        self.sync.load(year)

    def _load_started(self, year: int) -> None:
        self.status.set_sync_text(SYNCING)

    def _data_arrived(self, data: YearData, part: str) -> None:
        for tab in self.tabs.values():
            if tab.part == part:
                tab.show_data(data)
        if not self._first_painted and self.current_tab().part == part:
            self._first_painted = True
            self.current_tab().table.viewport().repaint()
            self.first_data_painted.emit()

    def _summary_arrived(self, summary: FirmSummary) -> None:
        self.header.show_summary(summary)
        self._summaries[summary.year] = summary  # the window rule of 申请 follows the server's latest answer
        for tab in self.tabs.values():
            tab.action_bar.refresh()

    def _part_failed(self, exc: BaseException) -> None:
        self.show_error(exc)

    def _load_finished(self, year: int, ok: bool) -> None:
        message, self._action_message = self._action_message, None
        status = self.sync.status_text()
        self.status.set_sync_text(status if ok or not self.sync.online else f"同步失败 · {status}")
        if ok and message is not None:
            self.statusBar().showMessage(message, 15000)
        elif ok:
            if self.notice.property("level") == "error":
                self.notice.hide()  # an earlier failure; the sync's own notices (reconnected…) stay
            self.statusBar().showMessage(f"{year} 年度数据已更新", 4000)
        else:
            self.status.clear_progress()  # the notice strip and the sync label say what happened
        self.data_shown.emit(year)

    def _synced(self, _when: Any) -> None:
        self.status.set_sync_text(self.sync.status_text())

    def _connection_changed(self, online: bool) -> None:
        self._set_online(online)
        self.status.set_sync_text(self.sync.status_text())

    def _sync_notice(self, text: str, level: str) -> None:
        self.notice.show_message(text, level, 15000 if level == "info" else 0)

    def _update_drafts_label(self, unsent: int) -> None:
        index = self.tab_widget.indexOf(self.drafts_view)
        self.tab_widget.setTabText(index, f"草稿 ({unsent})" if unsent else "草稿")

    def _set_online(self, online: bool) -> None:
        self._online = online
        self.status.set_online(online)

    @property
    def online(self) -> bool:
        return self._online

    def _update_tab_label(self, tab: RecordTab[Any]) -> None:
        index = self.tab_widget.indexOf(tab)
        label = tab.tab.label
        self.tab_widget.setTabText(index, f"{label} ({tab.total_count()})" if tab.loaded else label)
