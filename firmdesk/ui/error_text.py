"""Turns an exception from a worker task into the Chinese sentence the user sees."""

from __future__ import annotations

import logging

from firmdesk.services.errors import ServiceError
from firmdesk.services.store_repair import is_damage

log = logging.getLogger(__name__)


#: A damaged SQLite file met where nothing repairs it on the spot (the drafts file while in use).
DAMAGED_FILE_TEXT = (
    "本地数据文件已损坏，请关闭并重新启动 FirmDesk：启动时损坏的草稿文件会被原样另存，可读取的草稿会被恢复，"
    "缓存会从服务器重新同步"
)


def error_text(exc: BaseException) -> str:
    """A ServiceError's message as it is; anything else is a bug: logged, and said plainly."""
    if isinstance(exc, ServiceError):
        return exc.message
    if is_damage(exc):
        log.error("a local file is damaged", exc_info=exc)
        return DAMAGED_FILE_TEXT
    log.error("unexpected error in a worker task", exc_info=exc)
    return f"程序内部错误（{type(exc).__name__}），请重试；如仍失败请联系技术支持"
