"""Unreferenced attachment files: uploads are stored before their use case decides (no file I/O inside a write
transaction), so a refused or replayed upload leaves bytes nobody references. `collect` removes them once they
are a day old; `GarbageCollector` does it every few hours while the server runs (`firmdesk-server gc` by hand)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.server.db.models import Attachment
from firmdesk.server.periodic import Periodic
from firmdesk.server.storage import GARBAGE_MIN_AGE_S, AttachmentStore, GarbageReport

log = logging.getLogger(__name__)


def collect(
    sessions: sessionmaker[Session], storage: AttachmentStore, min_age_s: float = GARBAGE_MIN_AGE_S
) -> GarbageReport:
    """Remove the stored files no attachment row names (removed attachments still name theirs: history shows
    them), older than `min_age_s`. An upload in flight is younger than that (a deduplicated one is touched)."""
    with sessions() as session:
        referenced = set(session.scalars(select(Attachment.sha256).distinct()))
    return storage.collect_garbage(referenced, min_age_s)


class GarbageCollector(Periodic):
    """`collect` every `interval_s` while the server runs (the first round after one interval)."""

    name = "cmis-attachment-gc"

    def __init__(self, sessions: sessionmaker[Session], storage: AttachmentStore, interval_s: float) -> None:
        super().__init__(interval_s)
        self.sessions = sessions
        self.storage = storage

    def round(self) -> None:
        report = collect(self.sessions, self.storage)
        if report.removed:
            log.info("removed %d unreferenced attachment files (%d bytes)", report.removed, report.freed_bytes)
