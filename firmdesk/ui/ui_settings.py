"""What the UI remembers between runs (QSettings): server, firm number, year, geometry, table headers."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from firmdesk.services.offline_attachments import DEFAULT_LIMIT_MB

DEFAULT_SERVER = "http://127.0.0.1:8000"


class UiSettings:
    """A typed face over one QSettings object; tests pass one backed by a temporary ini file."""

    def __init__(self, settings: QSettings) -> None:
        self._s = settings

    @classmethod
    def for_user(cls) -> UiSettings:
        return cls(QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "FirmDesk", "FirmDesk"))

    @property
    def qsettings(self) -> QSettings:
        return self._s

    # login
    def server(self) -> str:
        return str(self._s.value("login/server", DEFAULT_SERVER) or DEFAULT_SERVER)

    def recent_servers(self) -> list[str]:
        value = self._s.value("login/recent_servers", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v]

    def member_no(self) -> str:
        return str(self._s.value("login/member_no", "") or "")

    def remember_password(self) -> bool:
        return str(self._s.value("login/remember", "false")).lower() == "true"

    def save_login(self, server: str, member_no: str, remember: bool) -> None:
        self._s.setValue("login/server", server)
        self._s.setValue("login/member_no", member_no)
        self._s.setValue("login/remember", "true" if remember else "false")
        recent = [server, *[s for s in self.recent_servers() if s != server]][:8]
        self._s.setValue("login/recent_servers", recent)

    # main window
    def last_year(self, firm_number: str) -> int | None:
        value = self._s.value(f"firm/{firm_number}/year")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def save_last_year(self, firm_number: str, year: int) -> None:
        self._s.setValue(f"firm/{firm_number}/year", year)

    def window_geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def save_window_geometry(self, geometry: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)

    def current_tab(self) -> int:
        try:
            return int(self._s.value("window/tab", 0))
        except (TypeError, ValueError):
            return 0

    def save_current_tab(self, index: int) -> None:
        self._s.setValue("window/tab", index)

    def header_state(self, tab_key: str) -> QByteArray | None:
        value = self._s.value(f"headers/{tab_key}")
        return value if isinstance(value, QByteArray) else None

    def save_header_state(self, tab_key: str, state: QByteArray) -> None:
        self._s.setValue(f"headers/{tab_key}", state)

    # offline attachments
    def offline_attachments_limit_mb(self) -> int:
        """The disk budget of the kept attachments (MB; `offline/attachments_limit_mb` in FirmDesk.ini)."""
        try:
            return max(0, int(self._s.value("offline/attachments_limit_mb", DEFAULT_LIMIT_MB)))
        except (TypeError, ValueError):
            return DEFAULT_LIMIT_MB

    def save_offline_attachments_limit_mb(self, megabytes: int) -> None:
        self._s.setValue("offline/attachments_limit_mb", max(0, int(megabytes)))

    def sync(self) -> None:
        self._s.sync()
