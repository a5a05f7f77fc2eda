"""Forms of the CPA portal that change something are carried out once, however often they are sent.

Each such form carries, in the hidden field `idempotency_key`, a key made from what the page showed: the
purpose, the application and its version (`form_key`). Two tabs showing the same page hold the same key, so
the use case's Idempotency-Key machinery (`services/idempotency.py`) lets the first one through and answers
the second from the stored answer (`Replay`): one application, one attachment, one face session. A form from a
page that is out of date meets a key already used for another request (`IdempotencyKeyReused`): refused with
`STALE_PAGE`.
"""

from __future__ import annotations

from enum import StrEnum

#: The hidden field of the key.
KEY_FIELD = "idempotency_key"
#: The API's limit of an Idempotency-Key.
KEY_MAX_CHARS = 80

STALE_PAGE = "该页面内容已过期（申请已在其他页面或窗口中修改），请刷新页面后重新操作"


def form_key(purpose: str, application_id: int, version: int, part: str | int = "") -> str:
    """`web:upload:12:v3:0`: one key per thing the page offers to do with the application as it was."""
    key = f"web:{purpose}:{application_id}:v{version}"
    return f"{key}:{part}" if part != "" else key


def start_key(year: int) -> str:
    """The key of 申请年检 for `year`: one application per CPA and year."""
    return f"web:start:{year}"


def sent_key(value: str) -> str | None:
    """The key a form sent (None when empty: the use case then runs without one)."""
    value = value.strip()
    return value[:KEY_MAX_CHARS] if value else None


class Done(StrEnum):
    """What a redirect after a form post reports (`?done=` on the page): a fixed set, so no text comes from the URL."""

    STARTED = "started"
    ALREADY_STARTED = "already_started"
    UPLOADED = "uploaded"
    ALREADY_UPLOADED = "already_uploaded"
    REMOVED = "removed"
    STATUS_SAVED = "status_saved"
    RESUBMITTED = "resubmitted"
    ALREADY_RESUBMITTED = "already_resubmitted"

    @property
    def message(self) -> str:
        return _DONE_MESSAGES[self]

    @property
    def is_repeat(self) -> bool:
        return self.value.startswith("already_")

    @classmethod
    def of(cls, value: str | None) -> Done | None:
        return next((done for done in cls if done.value == value), None)


_DONE_MESSAGES = {
    Done.STARTED: "已新建年检申请，请选择是否离退休并上传材料。",
    Done.ALREADY_STARTED: "该年度的年检申请已经创建（同一申请已在其他页面或窗口中提交），未重复创建。",
    Done.UPLOADED: "文件已上传。",
    Done.ALREADY_UPLOADED: "该文件已经上传（同一表单已在其他页面或窗口中提交），未重复上传。",
    Done.REMOVED: "附件已移除。",
    Done.STATUS_SAVED: "已保存离退休状态，请按该状态上传材料。",
    Done.RESUBMITTED: "已再次提交事务所审核，无需再次进行人脸认证。",
    Done.ALREADY_RESUBMITTED: "该申请已经再次提交（同一表单已在其他页面或窗口中提交），未重复提交。",
}
