"""The firm's main window: header strip (year, deadline, progress), the five tabs and their actions, status bar.

With a `SyncController` (the offline-first mode the shell opens) the tabs show the local cache first and
sync in the background, the window follows online/offline, and a sixth page, 草稿, lists the drafted
return reasons. Without one (no usable local store) it loads from the server only, as a `YearLoader`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from firmdesk.domain.states import BatchState, FirmTab
from firmdesk.services.api_client import CmisClient
from firmdesk.services.errors import ServerUnreachable, SessionExpired
from firmdesk.services.models import BatchRow, CpaRow, FirmInfo, FirmSummary
from firmdesk.services.settings import data_dir
from firmdesk.ui.dialogs.help_dialogs import AboutDialog, AboutFacts, ShortcutsDialog
from firmdesk.ui.draft_editor import DraftEditor
from firmdesk.ui.drafts_view import DraftsView
from firmdesk.ui.error_text import error_text
from firmdesk.ui.exports import TabExports
from firmdesk.ui.header_strip import HeaderStrip
from firmdesk.ui.notice_banner import NoticeBanner
from firmdesk.ui.resources import app_icon
from firmdesk.ui.sync_controller import SyncController, offline_reason
from firmdesk.ui.tabs.batch_tabs import ReturnedTab, SubmittedTab
from firmdesk.ui.tabs.not_applied_tab import NotAppliedTab
from firmdesk.ui.tabs.pending_review_tab import PendingReviewTab
from firmdesk.ui.tabs.query_tab import QueryTab
from firmdesk.ui.tabs.record_tab import RecordTab
from firmdesk.ui.tabs.review_actions import DeskServices, ReviewActions
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from firmdesk.ui.widgets.screen_fit import fit_to_screen, keep_on_screen
from firmdesk.ui.widgets.upload_progress import UploadProgress
from firmdesk.ui.year_data import YearData
from firmdesk.ui.year_loader import YearLoader

REFRESHING = "正在刷新…"
FULL_RESYNCING = "正在完全重新同步…"


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
        services: DeskServices | None = None,
        sync: SyncController | None = None,
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
        self.services = services if services is not None else DeskServices.for_user()
        self._leaving = False  # 注销/退出 confirmed: closing asks nothing more
        self.sync = sync
        self.actions = ReviewActions(client, runner, self.services, firm, self, sync=sync)
        self.actions.changed.connect(self.action_done)
        self.actions.refused.connect(self._action_refused)

        self.loader: YearLoader | SyncController
        if sync is not None:
            sync.setParent(self)  # stopped and deleted with the window; the shell closes its stores
            self.loader = sync
        else:
            self.loader = YearLoader(client, runner, self)
        self.loader.data_changed.connect(self._data_arrived)
        self.loader.summary_loaded.connect(self._summary_arrived)
        self.loader.part_failed.connect(self._part_failed)
        self.loader.started.connect(self._load_started)
        self.loader.finished.connect(self._load_finished)
        self.loader.synced.connect(self._synced)
        runner.failed.connect(self.show_error)

        self.header = HeaderStrip(self)
        self.exports = TabExports(
            runner, self.services.prompts, firm.name, self.header.year, self.services.qr_images, self
        )
        self.exports.message.connect(self._export_message)
        self.header.year_chosen.connect(self._year_chosen)
        self.notice = NoticeBanner(self)
        if sync is not None:
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
        self.drafts_view: DraftsView | None = None
        if sync is not None:
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
        self.about_action = help_menu.addAction("关于 FirmDesk", self.show_about)
        self.about_action.setObjectName("about_action")

    def _build_tab_actions(self) -> None:
        """Each tab's action bar (the same actions in its right-click menu), enabled when they apply."""
        actions, exports = self.actions, self.exports
        pending, not_applied, query = self.pending_tab, self.not_applied_tab, self.query_tab
        # The closures below are kept by the tabs' action bars: they must not hold the window itself.
        header, current_year = self.header, self.firm.current_year

        def year() -> int:
            chosen = header.year()
            return chosen if chosen is not None else current_year

        def has_application(tab: RecordTab[Any]) -> str | None:
            row = tab.current_record()
            if row is None:
                return "请先选中一名注册会计师"
            return None if row.application_id is not None else "该注师本年度尚未申请年检"

        def rows_to_return() -> list[CpaRow]:
            return pending.checked_records() or [r for r in [pending.current_record()] if r is not None]

        sync = self.sync
        if sync is not None:
            # 申请/撤回/再次申请 need the server: the action bars disable them offline (their one enable rule).
            for tab in self.tabs.values():
                tab.action_bar.set_server_gate(lambda: offline_reason(sync))
                sync.state_changed.connect(tab.action_bar.refresh)

        bar = pending.action_bar
        review = bar.add(
            "review",
            "逐个审核",
            lambda: actions.review_queue(pending, year()),
            available=lambda: None if pending.current_record() is not None else "请先选中一行",
            tooltip="从当前行开始逐个审核（Enter）：J/K 下一份/上一份，A 附件，R 退回，空格 标记加入申请",
        )
        pending.enter_action = review
        bar.add(
            "attachments",
            "附件",
            lambda: with_current(pending, actions.attachments),
            available=lambda: has_application(pending),
            tooltip="查看当前注师上传的附件",
        )
        bar.add(
            "return",
            "退回",
            lambda: actions.return_rows(rows_to_return()),
            available=lambda: None if rows_to_return() else "请先勾选或选中要退回的注册会计师",
            tooltip="退回勾选的申请（未勾选时退回当前行），须填写退回原因；离线时保存为草稿，联网后发送",
        )
        if sync is not None:
            bar.add(
                "draft",
                "存为草稿",
                lambda: actions.draft(rows_to_return()),
                available=lambda: None if rows_to_return() else "请先勾选或选中要退回的注册会计师",
                tooltip="为勾选的申请（未勾选时为当前行）起草退回原因，保存在本机“草稿”中，稍后再发送",
            )
        bar.add(
            "submit",
            "申请",
            lambda: actions.submit(pending.checked_records(), year()),
            available=lambda: None if pending.checked_records() else "请先勾选要申请的注册会计师，按空格可勾选当前行",
            tooltip="将勾选的注册会计师连同事务所批次材料提交至省注协",
            primary=True,
            needs_server=True,
        )
        add_excel_action(pending, exports)

        for tab in (not_applied, query):
            tab.link_clicked.connect(self._status_clicked)
            tab.action_bar.add(
                "trail",
                "审批流程",
                lambda t=tab: with_current(t, actions.trail),
                available=lambda t=tab: has_application(t),
                tooltip="查看审批流程（也可点击“审批状态”）",
            )
            tab.action_bar.add(
                "attachments",
                "附件",
                lambda t=tab: with_current(t, actions.attachments),
                available=lambda t=tab: has_application(t),
                tooltip="查看当前注师上传的附件",
            )
        query.action_bar.add(
            "qr",
            "二维码",
            lambda: with_current(query, actions.qr),
            available=lambda: None if query.current_record() is not None else "请先选中一名注册会计师",
            tooltip="查看、复制、保存当前注师的年检二维码",
        )
        query.action_bar.addSeparator()
        query.action_bar.add(
            "bulk_qr",
            "批量下载二维码",
            lambda: exports.bulk_qr(query),
            available=lambda: None if query.shown_count() else "列表为空",
            tooltip="所选或当前列表全部注师的二维码，保存到文件夹或 .zip",
        )
        query.action_bar.add(
            "labels",
            "打印标签",
            lambda: exports.print_labels(query),
            available=lambda: None if query.shown_count() else "列表为空",
            tooltip="所选或当前列表全部注师的二维码标签，排成 A4 PDF 以便打印裁切",
        )
        add_excel_action(not_applied, exports)

        for tab in (self.submitted_tab, self.returned_tab):
            tab.action_bar.add(
                "view",
                "查看",
                lambda t=tab: with_current(t, actions.open_batch),
                available=lambda t=tab: None if t.current_record() is not None else "请先选中一个批次",
                tooltip="查看该批次的注册会计师、批次材料和审批流程",
            )
        submitted = self.submitted_tab
        submitted.action_bar.add(
            "withdraw",
            "撤回",
            lambda: with_current(submitted, lambda b: actions.open_batch(b, withdraw=True)),
            available=lambda: withdraw_blocked(submitted.current_record()),
            tooltip="撤回该批次：其中的申请回到“注师待审核”，可重新提交",
            needs_server=True,
        )
        returned = self.returned_tab
        returned.action_bar.add(
            "resubmit",
            "再次申请-修改附件",
            lambda: with_current(returned, lambda b: actions.open_batch(b, resubmit=True)),
            available=lambda: None if returned.current_record() is not None else "请先选中一个批次",
            tooltip="查看退回原因，修改批次材料后再次提交省注协",
            primary=True,
            needs_server=True,
        )
        for tab in (submitted, returned):
            tab.action_bar.add(
                "attachments",
                "附件",
                lambda t=tab: with_current(t, actions.batch_attachments),
                available=lambda t=tab: None if t.current_record() is not None else "请先选中一个批次",
                tooltip="查看该批次的批次材料（如社保证明材料）",
            )
            add_excel_action(tab, exports)
        add_excel_action(query, exports)

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
        bar = self.statusBar()
        bar.setObjectName("status_bar")
        self.firm_label = QLabel(f"{self.firm.name}（{self.firm.number}）", self)
        self.firm_label.setObjectName("status_firm")
        self.online_label = QLabel(self)
        self.online_label.setObjectName("status_online")
        self.sync_label = QLabel("尚未同步", self)
        self.sync_label.setObjectName("status_sync")
        # Wide enough for the longest text, so the status bar does not jump at each sync.
        metrics = self.sync_label.fontMetrics()
        longest = ("同步失败 · 最后同步 00:00:00", "最后同步 00:00:00（离线，自动重试中）")
        widest = max(metrics.horizontalAdvance(text) for text in longest)
        self.sync_label.setMinimumWidth(widest + 24)
        bar.addPermanentWidget(self.firm_label)
        bar.addPermanentWidget(self.online_label)
        bar.addPermanentWidget(self.sync_label)
        self._set_online(True if self.sync is None else self.sync.online)

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
        """F5: with the local store, a sync of what changed (one small request when nothing did)."""
        year = self.header.year()
        if year is not None:
            if self._action_message is None:
                self.statusBar().showMessage(REFRESHING)
            if self.sync is not None and self.sync.year == year:
                self.sync.refresh()
            else:
                self.loader.load(year)

    def full_resync(self) -> None:
        """文件 → 完全重新同步: download the whole year again (without the local store: a plain reload)."""
        if self.sync is None:
            self.refresh()
            return
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
            if self.sync is not None:
                self.sync.report_unreachable(exc)  # goes offline (if not yet), says so once, retries
                return
            self._set_online(False)
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

    def show_about(self) -> AboutDialog:
        folder = self.sync.store.path.parent if self.sync is not None else data_dir(create=False)
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
        if self.sync is not None:
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
        self.loader.load(year)

    def _load_started(self, year: int) -> None:
        self.sync_label.setText("正在同步…")

    def _data_arrived(self, data: YearData, part: str) -> None:
        for tab in self.tabs.values():
            if tab.part == part:
                tab.show_data(data)
        if self.sync is None:
            self._set_online(True)  # (with the store, cached rows arrive offline too: sync says when)
        if not self._first_painted and self.current_tab().part == part:
            self._first_painted = True
            self.current_tab().table.viewport().repaint()
            self.first_data_painted.emit()

    def _summary_arrived(self, summary: FirmSummary) -> None:
        self.header.show_summary(summary)

    def _part_failed(self, exc: BaseException) -> None:
        self.show_error(exc)

    def _load_finished(self, year: int, ok: bool) -> None:
        message, self._action_message = self._action_message, None
        if self.sync is not None:
            status = self.sync.status_text()
            self.sync_label.setText(status if ok or not self.sync.online else f"同步失败 · {status}")
            if ok and message is not None:
                self.statusBar().showMessage(message, 15000)
            elif ok:
                if self.notice.property("level") == "error":
                    self.notice.hide()  # an earlier failure; the sync's own notices (reconnected…) stay
                self.statusBar().showMessage(f"{year} 年度数据已更新", 4000)
            elif self.statusBar().currentMessage() in (REFRESHING, FULL_RESYNCING):
                self.statusBar().clearMessage()  # the notice strip and the sync label say what happened
            self.data_shown.emit(year)
            return
        if ok and message is not None:
            self.statusBar().showMessage(message, 15000)
        elif ok:
            self.notice.hide()
            self.statusBar().showMessage(f"{year} 年度数据已更新", 4000)
        elif self.loader.last_sync is not None:
            self.sync_label.setText(f"同步失败 · 最后同步 {self.loader.last_sync:%H:%M:%S}")
        else:
            self.sync_label.setText("同步失败")
        self.data_shown.emit(year)

    def _synced(self, when: Any) -> None:
        self.sync_label.setText(self.sync.status_text() if self.sync is not None else f"最后同步 {when:%H:%M:%S}")

    def _connection_changed(self, online: bool) -> None:
        self._set_online(online)
        if self.sync is not None:
            self.sync_label.setText(self.sync.status_text())

    def _sync_notice(self, text: str, level: str) -> None:
        self.notice.show_message(text, level, 15000 if level == "info" else 0)

    def _update_drafts_label(self, unsent: int) -> None:
        if self.drafts_view is not None:
            index = self.tab_widget.indexOf(self.drafts_view)
            self.tab_widget.setTabText(index, f"草稿 ({unsent})" if unsent else "草稿")

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


def withdraw_blocked(batch: BatchRow | None) -> str | None:
    """Why 撤回 does not apply to `batch` (None: it does): the institute started, or it is final."""
    if batch is None:
        return "请先选中一个批次"
    if batch.can_withdraw:
        return None
    if batch.state == BatchState.REVIEWING:
        return "省注协已开始审核，不能撤回"
    if batch.state == BatchState.REVIEWED:
        return "省注协已审核完毕，不能撤回"
    if batch.state == BatchState.WITHDRAWN:
        return "该批次已撤回"
    return f"批次状态为“{batch.state_label}”，不能撤回"


def with_current(tab: RecordTab[Any], act: Callable[[Any], object]) -> None:
    record = tab.current_record()
    if record is not None:
        act(record)


def add_excel_action(tab: RecordTab[Any], exports: TabExports) -> None:
    tab.action_bar.addSeparator()
    tab.action_bar.add(
        "excel",
        "导出 Excel",
        lambda: exports.export_excel(tab),
        available=lambda: None if tab.shown_count() else "列表为空",
        tooltip="按当前筛选和排序导出表格中显示的列和行",
    )
