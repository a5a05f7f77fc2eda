"""The client's life cycle: login dialog → main window → logout → login dialog again."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from firmdesk.services.credentials import CredentialStore
from firmdesk.ui.login_dialog import LoginDialog, LoginFunction, LoginResult
from firmdesk.ui.main_window import MainWindow
from firmdesk.ui.tabs.review_actions import DeskServices
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings

log = logging.getLogger(__name__)


class Shell(QObject):
    """Owns whichever of the two windows is open and the logged-in session; nothing global."""

    window_opened = Signal(object)  # MainWindow
    login_opened = Signal(object)  # LoginDialog
    quit_requested = Signal()

    def __init__(
        self,
        login: LoginFunction,
        credentials: CredentialStore,
        runner: TaskRunner,
        settings: UiSettings,
        *,
        remember_server: bool = True,
        offer_remember: bool = True,
        services: DeskServices | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._login = login
        self._credentials = credentials
        self._runner = runner
        self._settings = settings
        self._remember_server = remember_server
        self._offer_remember = offer_remember
        self._services = services
        self.session: Any = None
        self.window: MainWindow | None = None
        self.dialog: LoginDialog | None = None

    def show_login(self) -> LoginDialog:
        dialog = LoginDialog(
            self._login,
            self._credentials,
            self._runner,
            self._settings,
            remember_server=self._remember_server,
            offer_remember=self._offer_remember,
        )
        dialog.logged_in.connect(self._logged_in)
        dialog.rejected.connect(self._login_cancelled)
        self.dialog = dialog
        dialog.show()
        self.login_opened.emit(dialog)
        return dialog

    def logout(self, reason: str | None = None) -> None:
        """Back to the login dialog; `reason` (e.g. the session expired) is shown in it."""
        if self.session is None and self.window is None:
            return  # already logged out (several failed calls may report the same expiry)
        session, window = self.session, self.window
        self.session = None
        self.window = None
        # The login dialog opens first, so closing the window is never "the last window closed".
        dialog = self.show_login()
        if reason:
            dialog.show_notice(reason)
        if window is not None:
            window.close()
            window.deleteLater()
        if session is not None:
            # Revoking the token is network work: off the UI thread; a failure is only logged.
            self._runner.run(session.logout, None, lambda exc: log.warning("logout failed: %r", exc))

    def shutdown(self) -> None:
        """At quit: revoke the token (best effort, bounded) so a closed client leaves no live session."""
        session = self.session
        self.session = None
        if session is not None:
            self._runner.run(session.logout, None, lambda exc: None)
        self._runner.wait_for_done(3000)

    def _logged_in(self, result: LoginResult) -> None:
        dialog = self.dialog
        self.dialog = None
        if dialog is not None:
            dialog.deleteLater()
        self.session = result.session
        window = MainWindow(
            result.session.client, result.session.firm, self._runner, self._settings, services=self._services
        )
        window.logout_requested.connect(self.logout)
        window.session_expired.connect(lambda: self.logout("登录已过期，请重新登录"))
        self.window = window
        window.show()
        window.start()
        if result.warning:
            window.notice.show_message(result.warning, "warning", 15000)
        self.window_opened.emit(window)

    def _login_cancelled(self) -> None:
        if self.window is None:
            self.quit_requested.emit()
