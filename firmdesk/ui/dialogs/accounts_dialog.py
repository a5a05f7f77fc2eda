"""账户管理: the 主管理员 lists the firm's accounts, creates 审核员, disables or enables them and resets their
passwords. Every change is the server's (`/firm/accounts`); refusals are shown in the dialog and what was typed
stays. Only the 主管理员 opens it (the window disables the menu entry for a 审核员, saying why)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.accounts import FIRM_LOGIN_HINT, PASSWORD_MIN_LENGTH, REVIEWER_LOGIN, reviewer_login
from firmdesk.services.api_client import CmisClient, new_idempotency_key
from firmdesk.services.people import FirmAccount
from firmdesk.ui.dialogs.base import ServiceDialog, mark_primary
from firmdesk.ui.dialogs.prompts import Confirm
from firmdesk.ui.error_text import error_text
from firmdesk.ui.formatting import datetime_text
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.widgets.message_banner import MessageBanner, Tone
from firmdesk.ui.widgets.screen_fit import fit_to_screen

HEADERS = ["登录名", "姓名", "角色", "状态", "创建时间"]


def next_free_login(firm_number: str, accounts: list[FirmAccount]) -> str:
    """The first 审核员 login not yet taken (`50010028-02`, `-03`, …)."""
    taken = {a.login for a in accounts}
    for seq in range(2, 100):
        login = reviewer_login(firm_number, seq)
        if login not in taken:
            return login
    return ""


class AccountsDialog(ServiceDialog):
    """`changed(str)` after each change the server made (the window's status bar says it)."""

    changed = Signal(str)
    loaded = Signal()

    def __init__(
        self,
        client: CmisClient,
        runner: TaskRunner,
        firm_number: str,
        *,
        confirm: Confirm,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.setObjectName("accountsDialog")
        self.setWindowTitle("账户管理")
        fit_to_screen(self, 760, 620)
        self._client, self._firm_number, self._confirm = client, firm_number, confirm
        self.accounts: list[FirmAccount] = []
        self._create_key = new_idempotency_key()

        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("accountsTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update)

        selected = QGroupBox("选中的审核员", self)
        selected_layout = QHBoxLayout(selected)
        self.toggle_button = QPushButton("停用", selected)
        self.toggle_button.setObjectName("accountToggle")
        self.toggle_button.clicked.connect(self.toggle_disabled)
        self.new_password = QLineEdit(selected)
        self.new_password.setObjectName("accountNewPassword")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setPlaceholderText(f"新密码（至少 {PASSWORD_MIN_LENGTH} 位）")
        self.new_password.textChanged.connect(self._update)
        self.reset_button = QPushButton("重置密码", selected)
        self.reset_button.setObjectName("accountResetPassword")
        self.reset_button.clicked.connect(self.reset_password)
        selected_layout.addWidget(self.toggle_button)
        selected_layout.addWidget(self.new_password, 1)
        selected_layout.addWidget(self.reset_button)

        create = QGroupBox("新建审核员", self)
        form = QFormLayout(create)
        self.login_edit = QLineEdit(create)
        self.login_edit.setObjectName("accountLogin")
        self.login_edit.setToolTip(FIRM_LOGIN_HINT)
        self.name_edit = QLineEdit(create)
        self.name_edit.setObjectName("accountName")
        self.password_edit = QLineEdit(create)
        self.password_edit.setObjectName("accountPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(f"至少 {PASSWORD_MIN_LENGTH} 位")
        self.create_button = QPushButton("新建", create)
        self.create_button.setObjectName("accountCreate")
        mark_primary(self.create_button)
        self.create_button.clicked.connect(self.create_account)
        for edit in (self.login_edit, self.name_edit, self.password_edit):
            edit.textChanged.connect(self._update)
        form.addRow("登录名", self.login_edit)
        form.addRow("姓名", self.name_edit)
        form.addRow("初始密码", self.password_edit)
        form.addRow("", self.create_button)

        self.banner = MessageBanner("accountsMessage", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(selected)
        layout.addWidget(create)
        layout.addWidget(self.banner)
        layout.addWidget(buttons)
        self.busy_changed.connect(lambda _busy: self._update())
        self._update()
        self.reload()

    # -- the list ---------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        client = self._client

        def ok(accounts: list[FirmAccount]) -> None:
            self.accounts = accounts
            self._fill(select_id)
            if not self.login_edit.text():
                self.login_edit.setText(next_free_login(self._firm_number, accounts))
            self.loaded.emit()

        def failed(exc: BaseException) -> None:
            self.banner.show_message(error_text(exc), Tone.ERROR)
            self.loaded.emit()

        self.op(self, client.accounts, key="load").success(ok).failure(failed).run()

    def _fill(self, select_id: int | None) -> None:
        self.table.setRowCount(len(self.accounts))
        for row, account in enumerate(self.accounts):
            values = [
                account.login,
                account.person_name,
                account.account_role_label,
                account.state_label,
                datetime_text(account.created_at),
            ]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, account.id)
                self.table.setItem(row, column, item)
            if account.id == select_id:
                self.table.selectRow(row)
        self._update()

    def selected(self) -> FirmAccount | None:
        rows = self.table.selectionModel().selectedRows()
        return self.accounts[rows[0].row()] if rows else None

    def select_login(self, login: str) -> None:
        for row, account in enumerate(self.accounts):
            if account.login == login:
                self.table.selectRow(row)

    # -- state ------------------------------------------------------------------------------------

    def selection_problem(self) -> str | None:
        account = self.selected()
        if account is None:
            return "请先在列表中选中一名审核员"
        if account.is_admin:
            return "主管理员账户不能在此停用或重置密码"
        return None

    def create_problem(self) -> str | None:
        if not REVIEWER_LOGIN.match(self.login_edit.text().strip()):
            return f"登录名应为“{self._firm_number}-两位序号”（02–99）"
        if not self.name_edit.text().strip():
            return "请填写姓名"
        if len(self.password_edit.text()) < PASSWORD_MIN_LENGTH:
            return f"初始密码至少 {PASSWORD_MIN_LENGTH} 位"
        return None

    def _update(self) -> None:
        busy = self.busy
        why = self.selection_problem()
        account = self.selected()
        self.toggle_button.setText("启用" if account is not None and account.disabled else "停用")
        self.toggle_button.setEnabled(why is None and not busy)
        self.toggle_button.setToolTip(why or "")
        reset_why = why or (
            None if len(self.new_password.text()) >= PASSWORD_MIN_LENGTH else f"新密码至少 {PASSWORD_MIN_LENGTH} 位"
        )
        self.reset_button.setEnabled(reset_why is None and not busy)
        self.reset_button.setToolTip(reset_why or "")
        create_why = self.create_problem()
        self.create_button.setEnabled(create_why is None and not busy)
        self.create_button.setToolTip(create_why or "")

    # -- changes ----------------------------------------------------------------------------------

    def _run(self, work: Callable[[], FirmAccount], message: Callable[[FirmAccount], str]) -> None:
        def ok(account: FirmAccount) -> None:
            text = message(account)
            self.banner.show_message(text, Tone.SUCCESS)
            self.changed.emit(text)
            self.reload(select_id=account.id)

        def failed(exc: BaseException) -> None:
            self.banner.show_message(error_text(exc), Tone.ERROR)
            self._update()

        self.op(self, work, key="change").success(ok).failure(failed).run()
        self._update()

    def create_account(self) -> None:
        if self.create_problem() is not None:
            return
        login, name, password = self.login_edit.text().strip(), self.name_edit.text().strip(), self.password_edit.text()
        client, key = self._client, self._create_key

        def done(account: FirmAccount) -> str:
            self._create_key = new_idempotency_key()
            for edit in (self.login_edit, self.name_edit, self.password_edit):
                edit.clear()
            return f"已新建审核员 {account.person_name}（登录名 {account.login}），请将登录名和初始密码告知本人"

        self._run(lambda: client.create_account(login, name, password, key), done)

    def toggle_disabled(self) -> None:
        account = self.selected()
        if account is None or self.selection_problem() is not None:
            return
        disable = not account.disabled
        question = f"停用 {account.person_name}（{account.login}）？其登录将立即失效，之后可再启用。"
        if disable and not self._confirm(self, "停用审核员", question, "停用"):
            return
        client = self._client
        verb = "停用" if disable else "启用"
        self._run(
            lambda: client.set_account_disabled(account.id, disable),
            lambda a: f"已{verb}审核员 {a.person_name}（{a.login}）",
        )

    def reset_password(self) -> None:
        account = self.selected()
        password = self.new_password.text()
        if account is None or self.selection_problem() is not None or len(password) < PASSWORD_MIN_LENGTH:
            return
        client = self._client

        def done(a: FirmAccount) -> str:
            self.new_password.clear()
            return f"已重置 {a.person_name}（{a.login}）的密码，其当前登录已失效"

        self._run(lambda: client.reset_password(account.id, password), done)
