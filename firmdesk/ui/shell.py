"""The client's life cycle: login dialog → main window → logout → login dialog again."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from shiboken6 import Shiboken

from firmdesk.services.cache_prefetch import CachePrefetch
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.offline_access import OfflineAccess
from firmdesk.ui.desk_services import DeskServices
from firmdesk.ui.login_dialog import LoginDialog, LoginFunction, LoginResult, OfflineLogin
from firmdesk.ui.tasks import TaskRunner
from firmdesk.ui.ui_settings import UiSettings

if TYPE_CHECKING:
    from firmdesk.services.firm_stores import FirmStores
    from firmdesk.services.intentions import PendingActions
    from firmdesk.ui.main_window import MainWindow
    from firmdesk.ui.sync_controller import SyncController

log = logging.getLogger(__name__)

#: After the login dialog shows, the main window's modules are imported while the user types (or the login
#: waits for the server): they are not on the way to the dialog, and ready when the login succeeds.
PRELOAD_DELAY_MS = 30
#: The offline-login hash (~0.1 s of CPU on purpose) is made after the first rows are painted, or after this.
VERIFIER_DELAY_MS = 5000


def preload_window_modules() -> None:
    """Import what `_logged_in` needs (the main window and everything it imports)."""
    import firmdesk.ui.main_window
    import firmdesk.ui.sync_controller  # noqa: F401


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
        offline_root: Path | None = None,
        offline_server: str | None = None,
        offer_offline: bool = True,
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
        # The firms' caches and drafts: under `offline_root` (None: the user data folder, `FIRMDESK_DATA_DIR`
        # overrides it); `offline_server` names the folder instead of the address (the demo's port changes).
        self._offline = OfflineAccess(offline_root, offline_server)
        self._offer_offline = offer_offline  # 离线打开 at a login that finds no server (not for the demo)
        self._stores: FirmStores | None = None  # the logged-in firm's cache and drafts
        self._pending: PendingActions | None = None  # the keys of changes whose outcome is unknown
        self.sync: SyncController | None = None
        self.session: Any = None
        self.window: MainWindow | None = None
        self.dialog: LoginDialog | None = None
        #: (session, password) of the online login whose offline-login hash is still to be made.
        self._verifier_due: tuple[Any, str] | None = None
        self._prefetch: CachePrefetch | None = None  # the cached rows read during the login under way

    def show_login(self) -> LoginDialog:
        dialog = LoginDialog(
            self._log_in_online,
            self._credentials,
            self._runner,
            self._settings,
            remember_server=self._remember_server,
            offer_remember=self._offer_remember,
            offline=OfflineLogin(self._offline.cached, self._open_offline) if self._offer_offline else None,
        )
        dialog.logged_in.connect(self._logged_in)
        dialog.rejected.connect(self._login_cancelled)
        self.dialog = dialog
        dialog.show()
        QTimer.singleShot(PRELOAD_DELAY_MS, preload_window_modules)
        self.login_opened.emit(dialog)
        return dialog

    def _log_in_online(self, server: str, member_no: str, password: str, remember: bool) -> Any:
        """The login (in a worker); what a later 离线打开 checks the password against is made once the window
        shows its first rows (`_remember_offline_later`): its ~0.1 s of hashing is not on the way to them."""
        self._prefetch = CachePrefetch(self._offline.folder(server, member_no))
        session = self._login(server, member_no, password, remember)
        if self._offer_offline:
            self._verifier_due = (session, password)  # read on the UI thread after this returns
        return session

    def _remember_offline_later(self, window: MainWindow) -> None:
        if self._verifier_due is None:
            return
        window.first_data_painted.connect(self._remember_offline)
        QTimer.singleShot(VERIFIER_DELAY_MS, self._remember_offline)

    def _remember_offline(self) -> None:
        due, self._verifier_due = self._verifier_due, None
        if due is not None:
            session, password = due
            self._runner.run(lambda: self._offline.remember(session, password), None, None)

    def _open_offline(self, server: str, member_no: str, password: str, remember: bool) -> Any:
        return self._offline.open(server, member_no, password, remember=remember, credentials=self._credentials)

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
            window.close_now()
            window.deleteLater()
        self._close_stores()
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
        self._close_stores()

    def _open_stores(self, session: Any) -> tuple[SyncController, str | None]:
        """The firm's local cache and drafts (a few ms: SQLite files on local disk), in memory if the disk
        cannot be used (then also what to tell the user)."""
        from firmdesk.services.firm_stores import FirmStores
        from firmdesk.services.intentions import PendingActions
        from firmdesk.ui.status_bar import IN_MEMORY_TOOLTIP
        from firmdesk.ui.sync_controller import SyncController

        # Per server, firm and person: the login (the 主管理员 signs in with the firm number, so the folder that
        # held the firm's cache and drafts before named administrators is still theirs: nothing to move).
        folder = self._offline.folder(session.server, session.member_no)
        stores = FirmStores.open(folder)
        try:
            stores.cache.save_firm(session.firm)
        except Exception as e:  # the cache is a convenience: never a reason not to open the window
            log.warning("saving the firm to the local cache failed: %r", e)
        self._stores = stores
        warning = None
        if stores.problem is not None:
            warning = f"{stores.problem}。{IN_MEMORY_TOOLTIP}。"
        pending = PendingActions.in_memory(folder) if stores.in_memory else PendingActions.open_or_in_memory(folder)
        self._pending = pending
        prefetch, self._prefetch = self._prefetch, None
        client = session.client
        sync = SyncController(client, stores.cache, stores.drafts, self._runner, pending=pending, prefetch=prefetch)
        return sync, warning

    def _close_stores(self) -> None:
        """After the window: stop the sync, let running work finish, then close the SQLite files."""
        self._remember_offline()  # not yet done: now, so that a later 离线打开 knows this login
        sync, stores, pending = self.sync, self._stores, self._pending
        self.sync, self._stores, self._pending = None, None, None
        if sync is not None and Shiboken.isValid(sync):  # deleted with its window if that went first
            sync.stop()
        if stores is None:
            return
        self._runner.wait_for_done(5000)
        stores.close()
        if pending is not None:
            pending.close()

    def _logged_in(self, result: LoginResult) -> None:
        from firmdesk.ui.main_window import MainWindow

        dialog = self.dialog
        self.dialog = None
        if dialog is not None:
            dialog.deleteLater()
        self.session = result.session
        sync, store_warning = self._open_stores(result.session)
        self.sync = sync
        window = MainWindow(
            result.session.client,
            result.session.firm,
            self._runner,
            self._settings,
            services=self._services,
            sync=sync,
            person=getattr(result.session, "person", None),
        )
        window.logout_requested.connect(self.logout)
        window.session_expired.connect(self.logout)
        self.window = window
        window.show()
        window.start()
        self._remember_offline_later(window)
        if result.warning:
            window.notice.show_message(result.warning, "warning", 15000)
        if store_warning:
            window.notice.show_message(store_warning, "warning")
        recovery = self._stores.drafts_recovery if self._stores is not None else None
        if recovery is not None:  # drafts are sacred: where the damaged original is, until the user closes it
            window.notice.show_message(recovery.message, "warning")
            window.status.show_drafts_recovered(recovery.message)
        self.window_opened.emit(window)

    def _login_cancelled(self) -> None:
        if self.window is None:
            self.quit_requested.emit()
