"""The logged-in firm's two local databases, the cache and the drafts: on disk, or in memory when the disk fails.

Either way the window runs the same offline-first path (cached rows first, background sync, drafts); in
memory, nothing of the session is kept after it, and the window says so. A damaged cache is set aside and
rebuilt by the sync (`LocalStore.damaged_copy` says where it went); a damaged drafts file is set aside and its
readable drafts recovered into a new one (`drafts_recovery`, `FirmStores.drafts_recovery`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from firmdesk.services.drafts import DRAFT_MIGRATIONS, DRAFTS_JOURNAL, DraftStore, DraftStoreUnavailable
from firmdesk.services.drafts_recovery import DraftRecovery, open_drafts
from firmdesk.services.local_store import DRAFTS_FILE, Database, LocalStore, StoreUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FirmStores:
    cache: LocalStore
    drafts: DraftStore
    #: Why the stores are in memory (the disk's error, for the user), or None when they are on disk.
    problem: str | None = None
    #: The drafts file was damaged: where the original went and what came back (tell the user).
    drafts_recovery: DraftRecovery | None = None

    @property
    def in_memory(self) -> bool:
        return self.problem is not None

    @classmethod
    def open(cls, folder: Path) -> FirmStores:
        """The firm's files in `folder` (a few ms: SQLite on local disk); in memory if either cannot be used."""
        cache: LocalStore | None = None
        try:
            cache = LocalStore.open(folder)
            drafts, recovery = open_drafts(folder)
        except (StoreUnavailable, DraftStoreUnavailable) as e:
            log.error("offline store unavailable, using memory for this session: %s", e)
            if cache is not None:
                cache.close()
            return cls.open_in_memory(folder, e.message)
        return cls(cache, drafts, drafts_recovery=recovery)

    @classmethod
    def open_in_memory(cls, folder: Path, problem: str) -> FirmStores:
        """Empty stores in memory for a session whose `folder` cannot be used (`problem` says why)."""
        path = folder / DRAFTS_FILE
        drafts = DraftStore(Database(path, DRAFT_MIGRATIONS, journal_mode=DRAFTS_JOURNAL, in_memory=True))
        return cls(LocalStore.in_memory_for(folder), drafts, problem)

    def close(self) -> None:
        for db in (self.cache, self.drafts):
            try:
                db.close()
            except Exception as e:  # closing what a late worker still holds: logged, never raised at logout
                log.warning("closing %s failed: %r", db, e)
