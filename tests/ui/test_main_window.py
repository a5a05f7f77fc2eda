"""The main window against the real server: each tab holds exactly the server's rows; filters, year, F5."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cmp_to_key
from typing import Any

import pytest
from PySide6.QtCore import QCollator, QEvent, QLocale, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QWidget

from firmdesk.domain.states import FirmTab
from firmdesk.services.api_client import CmisClient
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.firm_stores import FirmStores
from firmdesk.services.session import FirmSession
from firmdesk.ui.details_dialog import CpaDetailsDialog
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.models.roles import RECORD_ROLE
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings
from tests.helpers.demo import firm_login
from tests.helpers.main_window import new_window, open_window
from tests.helpers.tabs import tab_batch_states


@pytest.fixture
def session(demo_server: Any, credentials: CredentialStore) -> Iterator[FirmSession]:
    firm_session = firm_login(demo_server.base_url, credentials)
    yield firm_session
    firm_session.logout()


@pytest.fixture
def window(
    qtbot: Any, session: FirmSession, runner: TaskRunner, ui_settings: UiSettings, stores: FirmStores
) -> MainWindow:
    return open_window(qtbot, session, runner, ui_settings, stores)


def type_text(widget: QWidget, text: str) -> None:
    """Type like a user, one key event per character (QTest's keyClicks knows only ASCII; an input method
    delivers Chinese as key events carrying the text)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def tab_keys(window: MainWindow, tab: FirmTab) -> list[Any]:
    records = window.tabs[tab].shown_records()
    return sorted(getattr(r, "cpa_id", None) or r.id for r in records)


def server_rows(client: CmisClient, year: int) -> dict[FirmTab, list[int]]:
    return {
        FirmTab.PENDING_REVIEW: sorted(r.cpa_id for r in client.cpas(year, tab="pending_review").items),
        FirmTab.NOT_APPLIED: sorted(r.cpa_id for r in client.cpas(year, tab="not_applied").items),
        FirmTab.QUERY: sorted(r.cpa_id for r in client.cpas(year).items),
        FirmTab.SUBMITTED: sorted(b.id for b in client.batches(year, tab_batch_states(FirmTab.SUBMITTED)).items),
        FirmTab.RETURNED: sorted(b.id for b in client.batches(year, tab_batch_states(FirmTab.RETURNED)).items),
    }


def test_tabs_are_labelled_as_the_spec_with_their_counts(window: MainWindow) -> None:
    labels = [window.tab_widget.tabText(i) for i in range(window.tab_widget.count())]
    names = [label.split(" (")[0] for label in labels]
    assert names == ["注师待审核", "注师待申请", "已提交省注协", "已退回", "年检信息查询", "草稿"]
    for tab, widget in window.tabs.items():
        assert window.tab_label(tab) == f"{tab.label} ({widget.total_count()})"


def test_each_tab_shows_exactly_the_servers_rows(window: MainWindow, session: FirmSession) -> None:
    year = session.firm.current_year
    assert window.year() == year
    expected = server_rows(session.client, year)
    for tab, keys in expected.items():
        assert tab_keys(window, tab) == keys, tab
    assert all(expected.values()), "the demo firm has rows in every tab"


def test_submitted_tab_has_the_manuals_columns(window: MainWindow) -> None:
    model = window.tabs[FirmTab.SUBMITTED].model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["序号", "年检批次编号", "事务所名称", "年检年度", "申请时间", "处理状态"]


def test_header_strip_shows_deadline_and_progress(window: MainWindow, session: FirmSession) -> None:
    summary = session.client.summary(session.firm.current_year)
    assert summary.deadline is not None
    assert summary.deadline.isoformat() in window.header.deadline_label.text()
    assert f"剩余 {summary.days_left} 天" == window.header.days_left_label.text()
    counts = window.header.counts_label.text()
    parts = dict(part.rsplit(" ", 1) for part in counts.split("　/　")[0].split("　·　"))
    assert parts == {
        "年检通过": str(summary.approved),
        "已提交": str(summary.submitted),
        "待审核": str(summary.pending),
        "待申请": str(summary.not_applied),
        "暂缓年检": str(summary.deferred),  # the demo firm has both of the institute's other outcomes
        "年检不予通过": str(summary.failed),
    }
    assert sum(int(n) for n in parts.values()) == summary.total and counts.endswith(f"共 {summary.total} 人")
    assert window.header.progress_bar.value() == summary.approved
    assert window.header.progress_bar.maximum() == summary.total


def test_status_bar_shows_firm_online_and_sync_time(window: MainWindow, session: FirmSession) -> None:
    assert session.firm.name in window.firm_label.text()
    assert window.online_label.text() == "● 在线"
    assert window.sync_label.text().startswith("最后同步 ")


def test_search_filters_by_name_and_certificate_number_as_you_type(qtbot: Any, window: MainWindow) -> None:
    tab = window.tabs[FirmTab.QUERY]
    window.tab_widget.setCurrentWidget(tab)
    target = tab.shown_records()[3]
    type_text(tab.search_box, target.name)
    assert tab.search_box.text() == target.name
    shown = tab.shown_records()
    assert target in shown and all(target.name in r.name for r in shown)
    tab.search_box.clear()
    qtbot.keyClicks(tab.search_box, target.cert_no[-4:])
    assert all(target.cert_no[-4:] in r.cert_no for r in tab.shown_records())
    assert target in tab.shown_records()
    tab.search_box.clear()
    assert tab.shown_count() == tab.total_count()


@pytest.mark.parametrize("tab_id", [FirmTab.NOT_APPLIED, FirmTab.QUERY])
def test_status_filter_matches_the_server(window: MainWindow, session: FirmSession, tab_id: FirmTab) -> None:
    tab = window.tabs[tab_id]
    combo = tab.status_combo
    assert combo is not None
    year = session.firm.current_year
    for index in range(1, combo.count()):
        combo.setCurrentIndex(index)
        status = combo.itemData(index)
        server = sorted(r.cpa_id for r in session.client.cpas(year, status=status).items)
        assert sorted(r.cpa_id for r in tab.shown_records()) == server, status
    combo.setCurrentIndex(0)
    assert tab.shown_count() == tab.total_count()


def test_select_all_and_none_check_the_shown_rows(qtbot: Any, window: MainWindow) -> None:
    tab = window.tabs[FirmTab.PENDING_REVIEW]
    tab.select_all_button.click()
    assert tab.model.checked_count() == tab.total_count() > 0
    assert tab.checked_label.text() == f"已选 {tab.total_count()} 人"
    tab.select_none_button.click()
    assert tab.model.checked_count() == 0
    first = tab.shown_records()[0]
    qtbot.keyClicks(tab.search_box, first.cert_no)
    tab.select_all_button.click()
    assert [r.cpa_id for r in tab.checked_records()] == [first.cpa_id]


def test_sorting_by_a_column(window: MainWindow) -> None:
    tab = window.tabs[FirmTab.QUERY]
    column = next(i for i, c in enumerate(tab.model.columns) if c.key == "name") + tab.model.column_offset
    tab.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    names = [r.name for r in tab.shown_records()]
    chinese = QCollator(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    assert names == sorted(names, key=cmp_to_key(chinese.compare), reverse=True)  # by pinyin, 张 before 丁


def test_switching_year_loads_that_years_rows(qtbot: Any, window: MainWindow, session: FirmSession) -> None:
    other = min(session.firm.years)
    assert other != session.firm.current_year
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        window.header.select_year(other)
    assert window.year() == other
    summary = session.client.summary(other)
    expected = f"截止日期 {summary.deadline.isoformat()}" if summary.deadline else "该年度年检已结束"
    qtbot.waitUntil(lambda: window.header.deadline_label.text() == expected, timeout=5000)
    for tab, keys in server_rows(session.client, other).items():
        assert tab_keys(window, tab) == keys, tab
    assert window.settings.last_year(session.firm.number) == other


def test_ctrl_f_focuses_the_current_tabs_search_box(qtbot: Any, window: MainWindow) -> None:
    window.tab_widget.setCurrentWidget(window.tabs[FirmTab.NOT_APPLIED])
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.tabs[FirmTab.NOT_APPLIED].search_box.hasFocus(), timeout=2000)


def test_double_click_opens_the_cpas_details(qtbot: Any, window: MainWindow, session: FirmSession) -> None:
    tab = window.tabs[FirmTab.PENDING_REVIEW]
    index = tab.proxy.index(0, 2)
    row = index.data(RECORD_ROLE)
    rect = tab.table.visualRect(index)
    # A real double-click starts with a click: the view acts on a double-click of the row it saw pressed.
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = window.findChild(CpaDetailsDialog, "cpa_details_dialog")
    assert dialog is not None and dialog.row == row
    qtbot.waitUntil(lambda: dialog.tabs.count() == 4, timeout=10000)
    detail = session.client.application(row.application_id)
    assert dialog.attachments_panel.table.rowCount() == len(detail.attachments)  # as the 附件 window: with preview
    trail = session.client.trail(row.application_id)
    assert len(dialog.timeline.entries) == len(trail)  # as the 审批流程 window: a timeline
    dialog.close()


def test_column_order_and_widths_are_kept(
    qtbot: Any,
    window: MainWindow,
    session: FirmSession,
    runner: TaskRunner,
    ui_settings: UiSettings,
    stores: FirmStores,
) -> None:
    header = window.tabs[FirmTab.QUERY].table.horizontalHeader()
    header.moveSection(2, 5)
    header.resizeSection(1, 211)
    window.close()
    again = open_window(qtbot, session, runner, ui_settings, stores)
    header2 = again.tabs[FirmTab.QUERY].table.horizontalHeader()
    assert header2.visualIndex(2) == 5
    assert header2.sectionSize(1) == 211


def test_ui_settings_keep_the_window_geometry(qtbot: Any, window: MainWindow, ui_settings: UiSettings) -> None:
    window.resize(1100, 650)
    window.close()
    assert ui_settings.window_geometry() is not None


class TestChangesOnTheServer:
    @pytest.fixture
    def session(self, fresh_server: Any, credentials: CredentialStore) -> Iterator[FirmSession]:
        firm_session = firm_login(fresh_server.base_url, credentials)
        yield firm_session
        firm_session.logout()

    def test_f5_shows_a_change_made_through_the_server(
        self, qtbot: Any, window: MainWindow, session: FirmSession, fresh_server: Any
    ) -> None:
        pending = window.tabs[FirmTab.PENDING_REVIEW]
        before = pending.total_count()
        victim = pending.shown_records()[0]
        # Another administrator of the firm returns one application, through the server.
        other = firm_login(fresh_server.base_url, CredentialStore())
        other.client.return_applications([(victim.application_id, None)], "附件不清晰，请重新上传")
        other.logout()

        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        with qtbot.waitSignal(window.data_shown, timeout=20000):
            qtbot.keyClick(window, Qt.Key.Key_F5)
        assert pending.total_count() == before - 1
        assert victim.cpa_id not in [r.cpa_id for r in pending.shown_records()]
        returned = [r for r in window.tabs[FirmTab.NOT_APPLIED].shown_records() if r.cpa_id == victim.cpa_id]
        assert returned and returned[0].status == "firm_returned"
        assert returned[0].reason == "附件不清晰，请重新上传"
        assert window.tab_label(FirmTab.PENDING_REVIEW) == f"注师待审核 ({before - 1})"

    def test_a_failed_refresh_keeps_the_rows_and_says_why(
        self, qtbot: Any, window: MainWindow, fresh_server: Any
    ) -> None:
        shown = {tab: w.total_count() for tab, w in window.tabs.items()}
        fresh_server.stop()
        with qtbot.waitSignal(window.data_shown, timeout=30000):
            window.refresh()
        assert {tab: w.total_count() for tab, w in window.tabs.items()} == shown
        assert "无法连接服务器" in window.notice.text()
        assert window.online_label.text() == "● 离线"
        assert window.sync_label.text().endswith("（离线，自动重试中）")


class TestSlowServer:
    @pytest.fixture
    def session(self, slow_server: Any, credentials: CredentialStore) -> Iterator[FirmSession]:
        firm_session = firm_login(slow_server.base_url, credentials)
        yield firm_session
        firm_session.logout()

    def test_ui_thread_keeps_running_during_a_slow_load(
        self, qtbot: Any, session: FirmSession, runner: TaskRunner, ui_settings: UiSettings, stores: FirmStores
    ) -> None:
        ticks: list[int] = []
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start()
        window = new_window(session, runner, ui_settings, stores)
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(window.data_shown, timeout=20000):
            window.start()
            assert window.sync.busy  # start() returned at once: the work is on the pool
        timer.stop()
        # Each /firm request sleeps 0.6 s on the server: at 20 ms a tick, a free UI thread ticks > 15 times.
        assert len(ticks) > 15
        assert window.tabs[FirmTab.QUERY].total_count() > 0


def test_help_menu_lists_the_shortcuts_and_says_where_the_data_is(qtbot: Any, window: MainWindow) -> None:
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    from firmdesk import __version__
    from firmdesk.ui.dialogs.help_dialogs import SHORTCUTS

    menu = window.findChild(QMenu, "help_menu")
    assert menu is not None and [a.text() for a in menu.actions()] == ["快捷键", "注册会计师网页端", "关于 FirmDesk"]

    shortcuts = window.show_shortcuts()
    qtbot.addWidget(shortcuts)
    table = shortcuts.table
    listed = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    assert table.rowCount() == len(SHORTCUTS)
    # The main window's keys are listed as its actions define them.
    for action in (window.refresh_action, window.find_action):
        assert ("主窗口", action.shortcut().toString()) in listed

    about = window.show_about()
    qtbot.addWidget(about)
    texts = " ".join(label.text() for label in about.findChildren(QLabel))
    assert __version__ in texts and window.client.base_url in texts and window.firm.number in texts
    assert str(about.facts.data_folder) in texts
    portal = f"{window.client.base_url.rstrip('/')}/cpa/"
    assert portal in texts

    class Opener(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[QUrl] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.urls.append(url)

    opener = Opener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        about.open_folder_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in opener.urls] == [str(about.facts.data_folder)]

    QDesktopServices.setUrlHandler("http", opener, "open")
    try:
        window.portal_action.trigger()  # 帮助 › 注册会计师网页端: the portal in the browser
    finally:
        QDesktopServices.unsetUrlHandler("http")
    assert opener.urls[-1].toString() == portal


def test_the_keyboard_reaches_every_button_and_switches_tabs(qtbot: Any, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    pending = window.pending_tab
    bar = pending.action_bar
    keys = bar.keys()
    buttons = [bar.widgetForAction(bar.action(key)) for key in keys]
    assert all(b is not None and b.focusPolicy() == Qt.FocusPolicy.TabFocus for b in buttons)

    pending.table.setFocus()
    qtbot.waitUntil(pending.table.hasFocus, timeout=2000)
    qtbot.keyClick(pending.table, Qt.Key.Key_Tab)
    assert not pending.table.hasFocus()  # Tab leaves the table (the arrows move between its rows)

    pending.table.setFocus()
    qtbot.keyClick(pending.table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tab_widget.currentIndex() == 1
    qtbot.keyClick(window.tab_widget.currentWidget(), Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.tab_widget.currentIndex() == 0
    qtbot.keyRelease(window, Qt.Key.Key_Control)  # Qt keeps the last modifiers: let the next tests start clean
