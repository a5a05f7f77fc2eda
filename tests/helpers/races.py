"""Run HTTP calls at the same moment from real threads (one barrier releases them all)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx


def race(*calls: Callable[[], httpx.Response], timeout: float = 60) -> list[httpx.Response]:
    """The answers of `calls`, each run in its own thread, all released together."""
    barrier = threading.Barrier(len(calls))
    answers: list[httpx.Response | BaseException | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            answers[i] = calls[i]()
        except BaseException as error:  # a dropped connection is an outcome to report, not a hung test
            answers[i] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    failures = [a for a in answers if not isinstance(a, httpx.Response)]
    assert not failures, f"calls without an answer: {failures!r}"
    return answers  # type: ignore[return-value]
