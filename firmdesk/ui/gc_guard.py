"""Runs Python's cyclic garbage collector on the UI thread only.

Left to itself the collector runs in whichever thread happens to allocate, so a worker of the task
runner could end up destroying Qt objects caught in reference cycles (widgets, pixmaps, fonts) outside
the GUI thread, which Qt does not allow. The usual remedy for Python Qt apps with worker threads: switch
automatic collection off and collect from a UI-thread timer, by generation, as the thresholds would have.

With `freeze_start_up`, everything that exists at the first tick (modules, widgets, the start-up's
objects: a quarter of a million after start-up) is moved to the permanent generation first, so no
collection ever walks it again; the first collection would otherwise take over 100 ms.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGarbageCollector(QObject):
    def __init__(
        self, parent: QObject | None = None, *, interval_ms: int = 1000, freeze_start_up: bool = False
    ) -> None:
        super().__init__(parent)
        self._freeze_pending = freeze_start_up
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    def collect_if_due(self) -> int:
        """Collect the oldest generation whose threshold is passed; returns it, or -1 for none."""
        if self._freeze_pending:
            self._freeze_pending = False
            gc.freeze()
            return -1
        counts = gc.get_count()
        generation = -1
        for gen, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if threshold and count > threshold:
                generation = gen
            else:
                break
        if generation >= 0:
            gc.collect(generation)
        return generation

    def stop(self) -> None:
        """Hand collection back to Python (at shutdown)."""
        self._timer.stop()
        gc.enable()
