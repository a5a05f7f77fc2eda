"""At most as many requests inside the app as the database pool has connections; the rest wait their turn.

Without it, a crowd of clients (200 firms polling at once) deadlocks the server until the pool's timeout:
a request keeps its pooled connection from its first dependency to its answer, and each of its sync steps
needs a worker thread; when every thread is blocked waiting for a connection while the requests holding the
connections wait for a thread, nothing moves for 30 s and then every waiter answers 500. Waiting here costs
no thread and no connection; requests still run concurrently up to the pool's size.

Uploads (multipart bodies) are not counted: their body, which may take minutes on a slow line, is read
before they touch the database, and they are a small share of the requests.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Receive, Scope, Send

#: Connections left for work outside requests (the auto-reviewer, the idempotency or gc sweeps).
RESERVED_CONNECTIONS = 2
#: Requests let in when the pool has no fixed size (SQLAlchemy's NullPool or StaticPool).
UNSIZED_POOL_LIMIT = 8
UNLIMITED_PATHS = frozenset({"/healthz"})


def pool_capacity(pool: object) -> int:
    if isinstance(pool, QueuePool):
        return max(1, pool.size() + max(pool._max_overflow, 0) - RESERVED_CONNECTIONS)
    return UNSIZED_POOL_LIMIT


def _is_upload(scope: Scope) -> bool:
    content_type: bytes = dict(scope["headers"]).get(b"content-type", b"")
    return content_type.startswith(b"multipart/")


class InFlightLimit:
    """ASGI middleware; the limit follows the app's current engine (`app.state.cmis.engine`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limits: dict[int, asyncio.Semaphore] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS or _is_upload(scope):
            await self.app(scope, receive, send)
            return
        pool = scope["app"].state.cmis.engine.pool
        gate = self._limits.get(id(pool))
        if gate is None:
            gate = self._limits[id(pool)] = asyncio.Semaphore(pool_capacity(pool))
        async with gate:
            await self.app(scope, receive, send)
