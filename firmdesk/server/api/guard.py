"""The outermost layer: every answer carries an `X-Request-ID`, and whatever no route answered becomes
`{detail, code, request_id}` JSON (500 `internal`, 503 `busy`, 507 `storage_full`), logged with that id.

A read (GET/HEAD/OPTIONS) that finds the database busy before its answer started is run again twice, after
short pauses, before it gets its 503.

Starlette's own last-resort handler answers plain text and re-raises, which makes uvicorn drop the
keep-alive connection; this one answers in the contract's shape and keeps the connection open.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from firmdesk.server.api.errors import Failure, failure_of
from firmdesk.server.api.in_flight import READ_METHODS

log = logging.getLogger("firmdesk.server")

REQUEST_ID_HEADER = "X-Request-ID"
#: A client's own request id is kept when it is short and plain; otherwise a new one is made.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

#: A read (`READ_METHODS`, no effects) failing with `busy` before its answer started is run again (after these
#: pauses) before 503 is answered. Writes are not: SQLite's busy timeout already waited for them.
_BUSY_RETRY_PAUSES_S = (0.1, 0.4)

#: Renders a failure on a page path as HTML (`web.errors.failure_page`), or None for the JSON answer.
PageFailure = Callable[[Scope, Failure, str], bytes | None]

#: The id of the request being handled (for log records made anywhere below).
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")


def request_id_of(scope: Scope) -> str:
    sent = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
    return sent if _CLIENT_ID.fullmatch(sent) else uuid.uuid4().hex


class Guard:
    """ASGI middleware; add it last so that it wraps everything else (the body limit included)."""

    def __init__(self, app: ASGIApp, page_failure: PageFailure | None = None) -> None:
        """`page_failure(scope, failure, request_id)`: the HTML page of a failure on a web page's path, or None
        (then the answer is the JSON body)."""
        self.app = app
        self.page_failure = page_failure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = current_request_id.set(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self._run(scope, receive, send_with_id, lambda: started)
        except Exception as error:  # the last resort: every failure gets an answer
            failure = failure_of(error)
            where = f"{scope.get('method')} {scope.get('path')}"
            if failure.status >= 500 and failure.code == "internal":
                log.exception("request %s failed: %s", request_id, where)
            else:
                log.warning("request %s answered %s %s: %r", request_id, failure.status, where, error)
            if started:
                return  # the answer is half sent: nothing better to do than end it
            page = self.page_failure(scope, failure, request_id) if self.page_failure else None
            body = (
                page
                or json.dumps(
                    {"detail": failure.detail, "code": failure.code, "request_id": request_id}, ensure_ascii=False
                ).encode()
            )
            headers = [
                (b"content-type", b"text/html; charset=utf-8" if page else b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *((k.lower().encode(), v.encode()) for k, v in failure.headers.items()),
            ]
            await send_with_id({"type": "http.response.start", "status": failure.status, "headers": headers})
            await send_with_id({"type": "http.response.body", "body": body})
        finally:
            current_request_id.reset(token)

    async def _run(self, scope: Scope, receive: Receive, send: Send, started: Callable[[], bool]) -> None:
        pauses = list(_BUSY_RETRY_PAUSES_S) if scope.get("method") in READ_METHODS else []
        while True:
            try:
                await self.app(scope, receive, send)
                return
            except Exception as error:
                if not pauses or started() or failure_of(error).code != "busy":
                    raise
                log.info("request %s busy, retrying: %r", current_request_id.get(), error)
                await asyncio.sleep(pauses.pop(0))
