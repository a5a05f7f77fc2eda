"""Refuse an upload whose declared size cannot fit the limits before a byte of it is read (413)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES, MAX_BATCH_FILES, human_size

#: Ten files of 5 MB plus room for the form fields and multipart boundaries.
MAX_REQUEST_BYTES = MAX_BATCH_FILES * MAX_ATTACHMENT_BYTES + 1024 * 1024


class BodyLimit:
    """ASGI middleware: a Content-Length above `max_bytes` is answered 413 at once; each file is
    still checked while it streams (a client may lie or send chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_bytes:
                body = json.dumps(
                    {"detail": f"上传内容过大（超过 {human_size(self.max_bytes)}）", "code": "limit_exceeded"},
                    ensure_ascii=False,
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
