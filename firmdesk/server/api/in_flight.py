"""A few requests inside a worker at once, reads and writes apart; the rest wait their turn in order.

A worker is one Python process: its requests share one interpreter lock, so twenty requests at once are not
faster than three; they take turns every few milliseconds, and each one's answer waits for all the others.
A write's transaction, which holds the database's write turn, was stretched the same way, and every other
writer waited for it (`benchmarks/load.py`, 200 firms, `--workers 2`, SQLite: with 28 requests let in, write
p99 3.7 s and the mixed load's polls p99 0.48 s; with 3 reads and 1 write, 0.56–0.76 s and 0.27 s;
docs/benchmarks.md). Waiting here costs no thread and no database connection.

Reads (GET, HEAD, OPTIONS) and writes have a limit each (`Settings.requests_in_flight`, also never more than
the database pool holds), so that writers waiting for their turn (`db/write_queue.py`) never hold up reads.
Uploads (multipart bodies) are not counted: their body, which may take minutes on a slow line, is read before
they touch the database, and they are a small share of the requests. An answer that is a file (a download:
`Content-Disposition`) gives its place back as soon as it starts: its database work is done
(`files.attachment_response`), and a slow line must not hold up a worker.

Without any limit, a crowd (200 firms polling at once) deadlocked the server until the pool's timeout: a
request keeps its pooled connection from its first dependency to its answer, and each of its sync steps needs
a worker thread; with every thread blocked waiting for a connection while the requests holding the
connections waited for a thread, nothing moved for 30 s and then every waiter answered 500.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Connections left for work outside requests (the auto-reviewer, the idempotency or gc sweeps).
RESERVED_CONNECTIONS = 2
#: Requests let in when the pool has no fixed size (SQLAlchemy's NullPool or StaticPool).
UNSIZED_POOL_LIMIT = 8
UNLIMITED_PATHS = frozenset({"/healthz"})
#: The methods without effects: reads (their own limit here, a read session, retried when busy: `guard.py`).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def pool_capacity(pool: object) -> int:
    if isinstance(pool, QueuePool):
        return max(1, pool.size() + max(pool._max_overflow, 0) - RESERVED_CONNECTIONS)
    return UNSIZED_POOL_LIMIT


def _is_upload(scope: Scope) -> bool:
    content_type: bytes = dict(scope["headers"]).get(b"content-type", b"")
    return content_type.startswith(b"multipart/")


def _is_file(message: Message) -> bool:
    return any(name.lower() == b"content-disposition" for name, _value in message.get("headers", ()))


class InFlightLimit:
    """ASGI middleware; the limits follow the app's current settings and engine (`app.state.cmis`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._gates: dict[tuple[int, bool], asyncio.Semaphore] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        gate = self._gate(scope)
        inside = False

        async def enter() -> None:
            nonlocal inside
            await gate.acquire()
            inside = True

        async def receive_then_enter() -> Message:
            message = await receive()
            if not inside and message["type"] == "http.request" and not message.get("more_body", False):
                await enter()  # the whole upload is here: now it may go on to the database
            return message

        async def send_and_leave(message: Message) -> None:
            nonlocal inside
            if inside and message["type"] == "http.response.start" and _is_file(message):
                inside = False
                gate.release()  # a download streams without the database: the next request may go in
            await send(message)

        upload = _is_upload(scope)
        if not upload:
            await enter()
        try:
            await self.app(scope, receive_then_enter if upload else receive, send_and_leave)
        finally:
            if inside:
                gate.release()

    def _gate(self, scope: Scope) -> asyncio.Semaphore:
        context = scope["app"].state.cmis
        pool = context.engine.pool
        reads = scope["method"] in READ_METHODS
        key = (id(pool), reads)
        gate = self._gates.get(key)
        if gate is None:
            # Reads and writes together never need more connections than the pool has for requests.
            setting = context.settings.requests_in_flight if reads else context.settings.writes_in_flight
            gate = self._gates[key] = asyncio.Semaphore(max(1, min(setting, pool_capacity(pool) // 2)))
        return gate
