"""Writers take the database's write turn one at a time, first come first served, and never sleep-poll for it.

Every use case that writes starts with `take_write_turn` (`services/changes.py`): SQLite's one write lock, or on
PostgreSQL one advisory lock that orders all use cases. Before this module, a SQLite writer that found the lock
taken slept in SQLite's busy handler (1, 2, 5 … 100 ms between tries) while newcomers could take the lock in
between: under 200 simulated firms an unlucky writer lost again and again and waited out the 15 s busy timeout
(`benchmarks/load.py`: write p99 14 s, a few 503s), while the lock itself was free most of the time.

Now the writers of one process queue in order (`WriteQueue`, a lock handed from one waiter to the next), and on
SQLite the process whose writer is first also takes an exclusive `flock` on `<database>.writer`, which the kernel
hands to the next process's writer the moment it is released; only then does `BEGIN IMMEDIATE` run, and it finds
the database free. The turn ends with the transaction (commit, rollback or close: `after_transaction_end`).
A writer that waits longer than the busy timeout in its process's queue is answered 503 `busy`, as before.

Windows has no `flock`: there the processes' first writers meet in SQLite's busy handler as before (the queue
in each process still applies); `--workers` on Windows with SQLite is not a setup we recommend (docs/deploy.md).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from firmdesk.server.db.session import BUSY_TIMEOUT_INFO

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_HELD = "cmis_write_queue_held"


class WriteTurnTimeout(TimeoutError):
    """A writer waited longer than the busy timeout for its turn (answered 503 `busy`)."""


class WriteQueue:
    """A lock that waiters get in the order they asked for it (handed over on release, never raced for)."""

    def __init__(self, lock_file: str | None = None) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Event] = deque()
        self._lock_file = lock_file if fcntl is not None else None
        self._fd: int | None = None
        self._fd_pid = 0  # a forked child opens its own (a shared open file would share the lock)

    def acquire(self, timeout_s: float) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                waiter = None
            else:
                waiter = threading.Event()
                self._waiters.append(waiter)
        if waiter is not None and not waiter.wait(timeout_s):
            with self._mutex:
                if not waiter.is_set():  # not handed over meanwhile: give up our place
                    self._waiters.remove(waiter)
                    raise WriteTurnTimeout(f"no write turn within {timeout_s:.0f} s")
        try:
            self._lock_between_processes()
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        if self._fd is not None and fcntl is not None and self._fd_pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # the turn goes to the next waiter: `_held` stays True
            else:
                self._held = False

    def __del__(self) -> None:
        if self._fd is not None and self._fd_pid == os.getpid():
            with suppress(OSError):
                os.close(self._fd)

    def _lock_between_processes(self) -> None:
        if self._lock_file is None or fcntl is None:
            return
        if self._fd is None or self._fd_pid != os.getpid():
            self._fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._fd_pid = os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX)  # blocks without the GIL; only this process's first writer waits here


#: Weak: a queue lives while a writer holds or waits for it (then its lock file is closed), so that a process
#: that opens many databases one after the other (the tests) keeps no file open for each.
_queues: weakref.WeakValueDictionary[str, WriteQueue] = weakref.WeakValueDictionary()
_queues_lock = threading.Lock()


def queue_for(session: Session) -> WriteQueue:
    """This process's queue for the session's database (one per database file or server)."""
    bind = session.get_bind()
    url = bind.engine.url
    key = url.render_as_string(hide_password=True)
    with _queues_lock:
        queue = _queues.get(key)
        if queue is None:
            lock_file = None
            if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
                lock_file = f"{url.database}.writer"
            queue = _queues[key] = WriteQueue(lock_file)
        return queue


def holds_turn(session: Session) -> bool:
    """Whether the session's current transaction holds the write turn already."""
    held = session.info.get(_HELD)
    return held is not None and held[0] is session.get_transaction()


@contextmanager
def turn(session: Session) -> Iterator[None]:
    """Wait for this process's turn to write to the session's database, then run the body, which begins the
    transaction that holds it (`BEGIN IMMEDIATE`, the advisory lock). The turn is given back when that
    transaction ends (commit, rollback or close), or at once if the body fails. Waiting longer than the
    engine's busy timeout raises `WriteTurnTimeout`."""
    queue = queue_for(session)
    timeout_s = session.get_bind().engine.get_execution_options().get(BUSY_TIMEOUT_INFO, 15.0)
    queue.acquire(float(timeout_s))
    try:
        yield
    except BaseException:
        queue.release()
        raise
    session.info[_HELD] = (session.get_transaction(), queue)


@event.listens_for(Session, "after_transaction_end")
def _turn_ends_with_its_transaction(session: Session, transaction: SessionTransaction, *_args: Any) -> None:
    held = session.info.get(_HELD)
    if held is not None and held[0] is transaction:
        del session.info[_HELD]
        held[1].release()
