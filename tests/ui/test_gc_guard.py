"""Python's cyclic collector runs on the UI thread, from a timer, once a generation's threshold is passed."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

from firmdesk.ui.gc_guard import MainThreadGarbageCollector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_automatic_collection_is_off_while_the_guard_runs(qapp: Any) -> None:
    assert not gc.isenabled()


def test_cycles_are_collected_on_the_ui_thread_when_due(qtbot: Any, qapp: Any) -> None:
    collector = MainThreadGarbageCollector(qapp, interval_ms=10)
    collected_in: list[int] = []

    class Tracked(Node):
        def __del__(self) -> None:
            collected_in.append(threading.get_ident())

    probe = weakref.ref(Tracked())
    junk = [Node() for _ in range(gc.get_threshold()[0] * 2)]  # pass the first threshold
    del junk
    qtbot.waitUntil(lambda: probe() is None, timeout=5000)
    assert collected_in == [threading.get_ident()]
    collector._timer.stop()


def test_start_up_objects_are_frozen_at_the_first_tick(qtbot: Any, qapp: Any) -> None:
    collector = MainThreadGarbageCollector(qapp, interval_ms=60_000, freeze_start_up=True)
    try:
        before = gc.get_freeze_count()
        assert collector.collect_if_due() == -1  # the first tick only freezes
        assert gc.get_freeze_count() > before
    finally:
        collector._timer.stop()
        gc.unfreeze()
