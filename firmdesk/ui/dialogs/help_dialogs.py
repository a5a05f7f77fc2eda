"""帮助 menu: 快捷键 (every keyboard shortcut in one list) and 关于 FirmDesk (version, server, firm, data folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from firmdesk import __version__
from firmdesk.domain.portal import cpa_portal_url
from firmdesk.ui.resources import app_icon
from firmdesk.ui.widgets.screen_fit import fit_to_screen

#: (where, keys, what): the shortcuts the windows define, as the user presses them.
SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("主窗口", "F5", "刷新（与服务器同步）"),
    ("主窗口", "Ctrl+F", "查找：光标移到当前页签的搜索框"),
    ("主窗口", "Ctrl+Tab", "下一个页签（或 Ctrl+PgDn）"),
    ("主窗口", "Ctrl+Shift+Tab", "上一个页签（或 Ctrl+PgUp）"),
    ("主窗口", "Tab / 空格", "在搜索框、按钮和列表间移动 / 按下按钮"),
    ("主窗口", "Enter", "逐个审核（注师待审核）或查看详情"),
    ("主窗口", "空格", "注师待审核：勾选 / 取消勾选所选的行"),
    ("主窗口", "双击一行", "查看注册会计师详情或批次"),
    ("主窗口", "右键", "当前页签的操作菜单"),
    ("逐个审核", "J / PgDown", "下一份申请"),
    ("逐个审核", "K / PgUp", "上一份申请"),
    ("逐个审核", "A", "查看附件"),
    ("逐个审核", "R", "退回（离线时起草退回原因）"),
    ("逐个审核", "空格", "标记 / 取消标记，准备申请"),
    ("逐个审核", "Ctrl+Enter", "将标记的注师提交省注协（申请）"),
    ("退回", "Ctrl+Enter", "确认退回"),
    ("附件预览", "Ctrl++ / Ctrl+-", "放大 / 缩小"),
    ("附件预览", "Ctrl+0", "图片适应窗口；PDF 适应宽度"),
    ("附件预览", "Ctrl+1", "图片原始大小"),
    ("附件预览", "Ctrl+L / Ctrl+R", "图片向左 / 向右旋转"),
    ("附件预览", "PgUp / PgDown", "PDF 上一页 / 下一页"),
)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle("快捷键")
        self.table = QTableWidget(len(SHORTCUTS), 3, self)
        self.table.setObjectName("shortcuts_table")
        self.table.setHorizontalHeaderLabels(["窗口", "按键", "作用"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, cells in enumerate(SHORTCUTS):
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        # Wide enough for every text on one line (about 600 px: every supported screen has the room), and as tall
        # as the screen allows (the list scrolls below that).
        self.table.setWordWrap(False)
        self.table.resizeRowsToContents()
        margins = layout.contentsMargins()
        frame = 2 * self.table.frameWidth()
        table_width = sum(self.table.sizeHintForColumn(c) for c in range(3)) + frame
        table_width += self.table.verticalScrollBar().sizeHint().width() + 8  # room for a scroll bar, if needed
        rows_height = sum(self.table.rowHeight(r) for r in range(len(SHORTCUTS)))
        table_height = header.sizeHint().height() + rows_height + frame
        width = margins.left() + table_width + margins.right()
        height = margins.top() + table_height + layout.spacing() + buttons.sizeHint().height() + margins.bottom()
        self.setMinimumWidth(width)
        fit_to_screen(self, max(560, width), max(400, height))


@dataclass(frozen=True)
class AboutFacts:
    server: str
    firm: str  # name and number
    data_folder: Path  # this firm's local cache and drafts (or the user data folder without one)


class AboutDialog(QDialog):
    """What support asks for: the version, the server, the firm, and where the local data is."""

    def __init__(self, facts: AboutFacts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("关于 FirmDesk")
        self.facts = facts
        logo = QLabel(self)
        logo.setPixmap(app_icon().pixmap(48, 48))
        title = QLabel(f"FirmDesk 注册会计师年检　版本 {__version__}", self)
        title.setObjectName("about_title")
        title.setStyleSheet("QLabel { font-size:15px; font-weight:bold; }")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        rows = (
            ("服务器", facts.server),
            ("注册会计师网页端", cpa_portal_url(facts.server)),
            ("事务所", facts.firm),
            ("本机数据", str(facts.data_folder)),
        )
        for label, value in rows:
            text = QLabel(value, self)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setWordWrap(True)
            form.addRow(label, text)
        note = QLabel("本机数据包括同步的缓存和退回草稿；缓存可随时从服务器重建，草稿只保存在本机。", self)
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        self.open_folder_button = buttons.addButton("打开数据文件夹", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder_button.setObjectName("open_data_folder_button")
        self.open_folder_button.clicked.connect(self.open_data_folder)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(logo)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def open_data_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.facts.data_folder)))
