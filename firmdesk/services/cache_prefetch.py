"""The firm's cached rows, read while its login is under way, so that the window shows them the moment it opens.

Started with the login (the server and firm number are known then), on a thread of its own: opening the local
store and reading 5,000 rows (~0.1 s) then overlaps with the login's round trip instead of following it. It
reads the year the server said was current at the last sync; the window takes it only for that year. It
never changes the store: a damaged file is left for the window's own open to set aside and report.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from firmdesk.services.local_store import CACHE_FILE, LocalStore, YearSnapshot

log = logging.getLogger(__name__)


class CachePrefetch:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._done = threading.Event()
        self._snapshot: YearSnapshot | None = None
        threading.Thread(target=self._read, name="cache-prefetch", daemon=True).start()

    def _read(self) -> None:
        try:
            if not (self._folder / CACHE_FILE).exists():
                return  # never synced here: nothing to show early
            store = LocalStore.open(self._folder, repair=False)
            try:
                firm = store.firm()
                if firm is not None:
                    self._snapshot = store.snapshot(firm.current_year)
            finally:
                store.close()
        except Exception as e:  # the window's own read reports what is wrong with the store
            log.info("the cached rows were not read ahead: %r", e)
        finally:
            self._done.set()

    def take(self, year: int, timeout_s: float = 10.0) -> YearSnapshot | None:
        """The cached rows of `year` if those were read (waiting for the read to end); given once."""
        if not self._done.wait(timeout_s):
            return None
        snapshot, self._snapshot = self._snapshot, None
        return snapshot if snapshot is not None and snapshot.year == year else None
