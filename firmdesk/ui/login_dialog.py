"""The login dialog: firm number, password, server address, 记住密码; the login runs off the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from firmdesk.domain.accounts import is_firm_login
from firmdesk.domain.text import folded
from firmdesk.services.credentials import CredentialStore, StoredCredentials
from firmdesk.services.errors import KeyringUnavailable, OfflineOpenRefused, ServerUnreachable
from firmdesk.services.offline_access import OfflineCache
from firmdesk.ui.error_text import error_text
from firmdesk.ui.resources import app_icon
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings

#: `(server, member_no, password, remember) -> FirmSession`; raises a ServiceError. The session remembers
#: (or forgets) the password itself and sets `remember_error` when the system has no keyring.
LoginFunction = Callable[[str, str, str, bool], Any]


@dataclass(frozen=True)
class OfflineLogin:
    """离线打开 for a login that finds no server: what is cached, and opening it (both off the UI thread)."""

    cached: Callable[[str, str], OfflineCache | None]  # (server, member_no)
    open: Callable[[str, str, str, bool], Any]  # (server, member_no, password, remember) -> session


KEYRING_MISSING = "本系统没有可用的密码保管服务（系统密钥环），无法记住密码"
#: 离线打开 offered although the cached rows cannot be read (the drafts and the offline login can).
OFFLINE_DAMAGED_CACHE = (
    "本地缓存已损坏，离线打开后只能查看和编辑草稿（草稿未受影响）；联网后将自动登录并从服务器重新同步。"
)


@dataclass(frozen=True)
class LoginResult:
    session: Any
    server: str
    member_no: str
    warning: str | None  # e.g. the password could not be remembered


class LoginDialog(QDialog):
    logged_in = Signal(object)  # LoginResult
    login_failed = Signal(str)  # the message shown
    prefilled = Signal()  # the remembered password (if any) has been looked up

    def __init__(
        self,
        login: LoginFunction,
        credentials: CredentialStore,
        runner: TaskRunner,
        settings: UiSettings,
        parent: QWidget | None = None,
        *,
        remember_server: bool = True,
        offer_remember: bool = True,
        offline: OfflineLogin | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("login_dialog")
        self.setWindowTitle("登录 — 注册会计师年检")  # Qt adds " — FirmDesk" (the display name)
        self.setWindowIcon(app_icon())
        self._login = login
        self._credentials = credentials
        self._runner = runner
        self._settings = settings
        self._remember_server = remember_server
        self._busy = False
        self._keyring_ok = True
        self._login_running = False
        self._offline = offline
        self._offline_for: tuple[str, str] | None = None  # (server, member_no) 离线打开 is offered for
        self.result_value: LoginResult | None = None

        logo = QLabel(self)
        logo.setObjectName("login_logo")
        logo.setPixmap(app_icon().pixmap(56, 56))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("会计师事务所年检管理", self)
        title.setObjectName("login_title")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle = QLabel("中注协行业管理信息系统 · 事务所年检复核", self)
        subtitle.setObjectName("login_subtitle")
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.member_no_edit = QLineEdit(self)
        self.member_no_edit.setObjectName("login_member_no")
        self.member_no_edit.setPlaceholderText("事务所编号 50010028，审核员如 50010028-02")
        self.member_no_edit.setMaxLength(20)  # room for a pasted number with spaces; checked at 登录
        self.member_no_edit.setText(settings.member_no())

        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("login_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("密码")

        self.server_combo = QComboBox(self)
        self.server_combo.setObjectName("login_server")
        self.server_combo.setEditable(True)
        self.server_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for server in settings.recent_servers():
            self.server_combo.addItem(server)
        self.server_combo.setEditText(settings.server())
        line = self.server_combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("http://服务器地址:端口")

        self.remember_check = QCheckBox("记住密码", self)
        self.remember_check.setObjectName("login_remember")
        self.remember_check.setChecked(settings.remember_password())

        self.message_label = QLabel("", self)
        self.message_label.setObjectName("login_message")
        self.message_label.setWordWrap(True)
        self.message_label.setProperty("role", "error")
        self.message_label.hide()

        self.login_button = QPushButton("登录", self)
        self.login_button.setObjectName("login_button")
        self.login_button.setProperty("primary", True)
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.submit)

        self.offline_button = QPushButton("离线打开", self)
        self.offline_button.setObjectName("login_offline_button")
        self.offline_button.setToolTip("服务器暂时无法连接：用本机缓存的数据离线工作，联网后自动登录并同步")
        self.offline_button.clicked.connect(self.open_offline)
        self.offline_button.hide()
        self.member_no_edit.textEdited.connect(self._withdraw_offline_offer)
        self.server_combo.editTextChanged.connect(self._withdraw_offline_offer)

        form = self._form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(12)
        form.addRow("登录名", self.member_no_edit)
        form.addRow("密码", self.password_edit)
        form.addRow("服务器地址", self.server_combo)
        form.addRow("", self.remember_check)

        card = QFrame(self)
        card.setObjectName("login_card")
        card_layout = self._card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(28, 24, 28, 24)
        card_layout.setSpacing(10)
        card_layout.addWidget(logo)
        card_layout.addWidget(title)
        card_layout.addWidget(subtitle)
        card_layout.addSpacing(10)
        card_layout.addLayout(form)
        card_layout.addWidget(self.message_label)
        card_layout.addSpacing(4)
        card_layout.addWidget(self.login_button)
        card_layout.addWidget(self.offline_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(card)
        self.setMinimumWidth(440)

        if offer_remember:
            self._prefill_from_keyring()
        else:
            self._keyring_ok = False
            self.remember_check.setChecked(False)
            self._form.setRowVisible(self.remember_check, False)
        if self.member_no_edit.text():
            self.password_edit.setFocus()

    # fields (for the launcher and the tests)
    def fill(self, member_no: str, password: str, server: str, remember: bool = False) -> None:
        self.member_no_edit.setText(member_no)
        self.password_edit.setText(password)
        self.server_combo.setEditText(server)
        self.remember_check.setChecked(remember)

    def server(self) -> str:
        return self.server_combo.currentText().strip()

    def member_no(self) -> str:
        """The firm number as typed, full-width digits and spaces folded (an input method may give ５００１…)."""
        return folded(self.member_no_edit.text()).replace(" ", "")

    def message(self) -> str:
        return self.message_label.text() if not self.message_label.isHidden() else ""

    @property
    def busy(self) -> bool:
        return self._busy

    def show_progress(self, text: str) -> None:
        """Busy with something before the login (the demo server starting): fields locked, text shown."""
        self._set_busy(True)
        self._show_message(text, "info")

    def show_notice(self, text: str) -> None:
        """Why the dialog is back (e.g. the session expired): shown until the next login attempt."""
        self._show_message(text, "info")

    def end_progress(self) -> None:
        self._set_busy(False)
        self._show_message("")

    def show_failure(self, text: str) -> None:
        self._set_busy(False)
        self._show_message(text)
        self.login_failed.emit(text)

    # login
    def submit(self) -> None:
        """Log in with what the fields hold (the 登录 button; the demo launcher calls it too)."""
        if self._login_running:
            return
        member_no = self.member_no()
        password = self.password_edit.text()
        server = self.server()
        remember = self.remember_check.isChecked()
        problem = self._check(member_no, password, server)
        if problem:
            self._show_message(problem)
            self.login_failed.emit(problem)
            return
        self._withdraw_offline_offer()
        self._set_busy(True)
        self._login_running = True
        self._show_message("")
        login = self._login

        def work() -> LoginResult:
            session = login(server, member_no, password, remember)
            warning = KEYRING_MISSING + "；本次登录不受影响" if getattr(session, "remember_error", None) else None
            return LoginResult(session, server, member_no, warning)

        self._runner.op(self, work).success(self._succeeded).failure(self._failed).run()

    @staticmethod
    def _check(member_no: str, password: str, server: str) -> str | None:
        if not member_no:
            return "请输入登录名（事务所编号）"
        if not is_firm_login(member_no):
            return "登录名为 8 位事务所编号（如 50010028），审核员为编号加两位序号（如 50010028-02）"
        if not password:
            return "请输入密码"
        if not server:
            return "请输入服务器地址"
        return None

    def _succeeded(self, result: LoginResult) -> None:
        self._login_running = False
        self._set_busy(False)
        if self._remember_server:
            self._settings.save_login(result.server, result.member_no, self.remember_check.isChecked())
            self._settings.sync()
        self.result_value = result
        self.logged_in.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._login_running = False
        self._set_busy(False)
        message = error_text(exc)
        self._show_message(message)
        self.password_edit.setFocus()
        self.password_edit.selectAll()
        if isinstance(exc, ServerUnreachable) and self._offline is not None:
            self._look_for_offline_cache(message)
        self.login_failed.emit(message)

    # 离线打开
    def offline_offered(self) -> bool:
        return not self.offline_button.isHidden()

    def open_offline(self) -> None:
        """离线打开: check the password against the last online login's, then open the cached data."""
        offline, offered = self._offline, self._offline_for
        if self._login_running or offline is None or offered is None:
            return
        password, remember = self.password_edit.text(), self.remember_check.isChecked()
        if not password:
            self._show_message("请输入密码（与上次联网登录时的密码相同）")
            return
        self._set_busy(True)
        self._login_running = True
        self.offline_button.setText("正在打开…")
        server, member_no = offered

        def work() -> LoginResult:
            return LoginResult(offline.open(server, member_no, password, remember), server, member_no, None)

        def failed(exc: BaseException) -> None:
            self._login_running = False
            self._set_busy(False)
            self.offline_button.setText("离线打开")
            message = error_text(exc)
            self._show_message(message)
            self.password_edit.setFocus()
            self.password_edit.selectAll()
            self.login_failed.emit(message)

        self._runner.op(self, work).success(self._succeeded).failure(failed).run()

    def _look_for_offline_cache(self, message: str) -> None:
        offline = self._offline
        assert offline is not None
        key = (self.server(), self.member_no())

        def offer(cache: OfflineCache | None) -> None:
            if cache is None or key != (self.server(), self.member_no()):
                return
            self._offline_for = key
            self.offline_button.show()
            if cache.cache_damaged:
                self._show_message(f"{message}。\n{OFFLINE_DAMAGED_CACHE}", "warning")
                return
            when = f"最后同步 {cache.last_sync.astimezone():%m-%d %H:%M}" if cache.last_sync else "尚未同步"
            self._show_message(f"{message}。\n可离线打开本机缓存的数据（{when}），联网后自动登录并同步。", "warning")

        def refused(exc: BaseException) -> None:  # e.g. a damaged cache without the offline login's hash
            if isinstance(exc, OfflineOpenRefused) and key == (self.server(), self.member_no()):
                self._show_message(f"{message}。\n{exc.message}")

        self._runner.op(self, lambda: offline.cached(*key)).success(offer).failure(refused).run()

    def _withdraw_offline_offer(self, *_args: object) -> None:
        if self._offline_for is not None and not self._login_running:
            self._offline_for = None
            self.offline_button.hide()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.member_no_edit, self.password_edit, self.server_combo):
            widget.setEnabled(not busy)
        self.remember_check.setEnabled(not busy and self._keyring_ok)
        self.login_button.setEnabled(not busy)
        self.offline_button.setEnabled(not busy)
        self.login_button.setText("正在登录…" if busy and not self.offline_offered() else "登录")

    def _show_message(self, text: str, role: str = "error") -> None:
        self.message_label.setText(text)
        self.message_label.setProperty("role", role)
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)
        was_shown = not self.message_label.isHidden()
        self.message_label.setVisible(bool(text))
        if was_shown and not text:
            # Give back the message's room instead of stretching the form.
            for layout in (self._card_layout, self.layout()):
                if layout is not None:
                    layout.invalidate()
                    layout.activate()
            self.adjustSize()

    # remembered password
    def _prefill_from_keyring(self) -> None:
        server, member_no = self.server(), self.member_no()
        credentials = self._credentials
        want = bool(server and member_no and self.remember_check.isChecked())

        def work() -> tuple[bool, StoredCredentials | None]:
            if not credentials.available():
                return False, None
            return True, credentials.load(server, member_no) if want else None

        self._runner.op(self, work).success(self._prefilled).failure(self._prefill_failed).run()

    def _prefilled(self, result: tuple[bool, StoredCredentials | None]) -> None:
        available, stored = result
        if not available:
            self._keyring_missing()
        elif stored is not None and stored.password and not self.password_edit.text():
            self.password_edit.setText(stored.password)
        self.prefilled.emit()

    def _prefill_failed(self, exc: BaseException) -> None:
        if isinstance(exc, KeyringUnavailable):
            self._keyring_missing()
        self.prefilled.emit()

    def _keyring_missing(self) -> None:
        self._keyring_ok = False
        self.remember_check.setChecked(False)
        self.remember_check.setEnabled(False)
        self.remember_check.setToolTip(KEYRING_MISSING)
        self.remember_check.setText("记住密码（本系统不支持）")
