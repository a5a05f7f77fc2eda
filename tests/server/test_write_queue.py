"""Writers take their turn in the order they asked (`db/write_queue.py`), across threads and worker processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from firmdesk.server.api.errors import failure_of
from firmdesk.server.config import fast_test_settings
from firmdesk.server.db.models import ChangeCounter
from firmdesk.server.db.session import make_engine, make_session_factory, migrate
from firmdesk.server.db.write_queue import WriteQueue, WriteTurnTimeout, queue_for
from firmdesk.server.services.changes import take_write_turn
from tests.helpers.databases import selected_backend
from tests.helpers.server_world import World

ROOT = Path(__file__).resolve().parents[2]


def test_waiters_get_the_turn_in_the_order_they_asked() -> None:
    queue = WriteQueue()
    queue.acquire(1)
    order: list[int] = []
    threads = []
    for n in range(5):

        def wait(n: int = n) -> None:
            queue.acquire(10)
            order.append(n)
            queue.release()

        thread = threading.Thread(target=wait)
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # each one queued before the next asks
    queue.release()
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4]


def test_a_writer_that_waits_too_long_gives_up_its_place_and_is_answered_busy() -> None:
    queue = WriteQueue()
    queue.acquire(1)
    with pytest.raises(WriteTurnTimeout) as raised:
        queue.acquire(0.05)
    failure = failure_of(raised.value)
    assert (failure.status, failure.code) == (503, "busy")
    assert failure.headers["Retry-After"] and "繁忙" in failure.detail
    queue.release()
    queue.acquire(0.05)  # the one that gave up is not in the way
    queue.release()


def _counter(session: Session) -> int:
    return int(session.scalar(select(ChangeCounter.value).where(ChangeCounter.id == 1)) or 0)


def test_the_turn_ends_with_its_transaction_however_it_ends(world: World) -> None:
    factory = make_session_factory(make_engine(world.server.settings), immediate=False)
    with factory() as session:
        take_write_turn(session)
        session.rollback()  # a refused use case
    with factory() as session:
        take_write_turn(session)
        session.execute(text("UPDATE change_counter SET value = value + 1 WHERE id = 1"))
        session.commit()
    with factory() as session:
        take_write_turn(session)  # a session closed in its transaction (an exception in a request)
    with factory() as session:
        take_write_turn(session)
        take_write_turn(session)  # the same transaction's second call: it holds the turn already
        session.commit()
    done = threading.Event()

    def other_writer() -> None:
        with factory() as session:
            take_write_turn(session)
            session.commit()
        done.set()

    threading.Thread(target=other_writer, daemon=True).start()
    assert done.wait(10), "a turn was never given back"


_WRITERS = """
import sys, threading
from pathlib import Path
from sqlalchemy import text
from firmdesk.server.config import fast_test_settings
from firmdesk.server.db.session import make_engine, make_session_factory
from firmdesk.server.services.changes import take_write_turn

settings = fast_test_settings(Path(sys.argv[1]))
if len(sys.argv) > 3:
    settings = settings.model_copy(update={"database_url": sys.argv[3]})
factory = make_session_factory(make_engine(settings), immediate=False)


def writer():
    for _ in range(int(sys.argv[2])):
        with factory() as session:
            take_write_turn(session)
            value = session.execute(text("SELECT value FROM change_counter WHERE id = 1")).scalar()
            session.execute(text("UPDATE change_counter SET value = :v WHERE id = 1"), {"v": value + 1})
            session.commit()


threads = [threading.Thread(target=writer) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


def test_writers_of_several_processes_and_threads_each_get_the_turn_alone(world: World) -> None:
    """Read-then-write increments from three processes with four threads each: none is lost, none waits out
    the busy timeout (on SQLite the processes hand the turn over with a lock file, not by polling)."""
    settings = world.server.settings
    factory = make_session_factory(make_engine(settings), immediate=False)
    with factory() as session:
        before = _counter(session)
    writes = 40
    url = [settings.effective_database_url] if selected_backend() == "postgresql" else []
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITERS, str(settings.data_dir), str(writes), *url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err[-2000:] for _out, err in outputs]
    with factory() as session:
        assert _counter(session) == before + 3 * 4 * writes


def test_a_new_database_file_gets_its_own_queue(tmp_path: Path) -> None:
    settings = fast_test_settings(tmp_path / "other")
    migrate(settings)
    factory = make_session_factory(make_engine(settings), immediate=False)
    with factory() as session:
        take_write_turn(session)
        session.commit()
        assert queue_for(session)._lock_file == f"{settings.effective_database_url.split('///', 1)[1]}.writer"
    assert Path(f"{settings.effective_database_url.split('///', 1)[1]}.writer").exists()
