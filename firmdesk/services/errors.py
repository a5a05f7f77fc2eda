"""Errors the client services raise; each carries a Chinese message the UI shows as it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class ServiceError(Exception):
    """Base of every failure the UI may show; `message` is Chinese and meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServerUnreachable(ServiceError):
    """No connection to the server (refused, DNS, timeout) after the retries."""

    def __init__(self, url: str, message: str | None = None) -> None:
        super().__init__(message or f"无法连接服务器 {url}，请检查网络或服务器地址")
        self.url = url


class NotCmisServer(ServiceError):
    """Something answers at the address, but it is not a CMIS server."""

    def __init__(self, url: str = "") -> None:
        super().__init__("该地址不是注协 CMIS 服务")
        self.url = url


class InvalidServerAddress(ServiceError):
    """The typed server address cannot be an HTTP(S) address."""

    def __init__(self, url: str) -> None:
        super().__init__(f"服务器地址“{url}”不正确，应类似 http://127.0.0.1:8000 或 https://cmis.example.cn")
        self.url = url


class BadCredentials(ServiceError):
    def __init__(self) -> None:
        super().__init__("事务所编号或密码错误")


class AccountLocked(ServiceError):
    """Too many failed logins; `locked_until` is aware, the message shows it in local time."""

    def __init__(self, locked_until: datetime) -> None:
        local = locked_until.astimezone()
        super().__init__(f"登录失败次数过多，账户已锁定，请于 {local:%H:%M} 后再试")
        self.locked_until = locked_until


class SessionExpired(ServiceError):
    """The token is missing, expired or revoked (HTTP 401 outside login), or a deferred login was refused."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "登录已过期，请重新登录")


class OfflineOpenRefused(ServiceError):
    """The firm's cached data cannot be opened offline: no cache on this computer, or another password."""


class Refused(ServiceError):
    """The server (or the client's own earlier check) refused the request: 403/404/409/413/422/429."""

    def __init__(self, message: str, status: int, code: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.extra: dict[str, Any] = dict(extra or {})


class AttachmentRejected(Refused):
    """A file may not be attached (size, type, count, required material); checked before uploading."""

    def __init__(self, message: str, status: int = 422, code: str = "limit_exceeded") -> None:
        super().__init__(message, status, code)


class ServerFailed(ServiceError):
    """The server answered with an error it should not give (5xx, or a body the client cannot read)."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or f"服务器出错（HTTP {status}），请稍后再试或联系注协")
        self.status = status


class UploadCancelled(ServiceError):
    """The user cancelled an upload; nothing was submitted."""

    def __init__(self) -> None:
        super().__init__("已取消上传，批次未提交")


class KeyringUnavailable(ServiceError):
    """The system has no usable password store; the client never falls back to a file."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "本系统没有可用的密码保管服务，无法记住密码")
