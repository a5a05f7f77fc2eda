"""Turns an exception from a worker task into the Chinese sentence the user sees."""

from __future__ import annotations

import logging

from firmdesk.services.errors import ServiceError

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    """A ServiceError's message as it is; anything else is a bug: logged, and said plainly."""
    if isinstance(exc, ServiceError):
        return exc.message
    log.error("unexpected error in a worker task", exc_info=exc)
    return f"程序内部错误（{type(exc).__name__}），请重试；如仍失败请联系技术支持"
