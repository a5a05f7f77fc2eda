"""Keeps on disk, after each sync, the attachments a reviewer needs without a connection: newest first, within a budget.

Which: the attachments of the applications in 注师待审核 (`pending_firm`) and the materials of the batches
being prepared again (已退回, for 再次申请-修改附件), newest first. `keep(year)` fetches each owner's detail (kept
in the local store, so that the 附件 list opens offline too) and each file through the `AttachmentCache`
(content-hash verified), stops at the disk budget, then evicts the oldest cached files beyond it. `census(year)`
says what is already kept without any request (离线打开). No Qt: the UI runs both on its worker pool and
passes `should_stop` to cancel between files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from firmdesk.domain.states import ApplicationState, BatchState
from firmdesk.services.api_client import CmisClient
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.errors import ServerUnreachable, ServiceError
from firmdesk.services.local_store import LocalStore
from firmdesk.services.models import Attachment, BatchRow, CpaRow

log = logging.getLogger(__name__)

#: The default disk budget of the attachment cache (a setting: `UiSettings.offline_attachments_limit_mb`).
DEFAULT_LIMIT_MB = 500
APPLICATION = "application"
BATCH = "batch"

NOT_KEPT_APPLICATION = "离线状态下不能查看：该注师的附件尚未保存到本机（联网同步后自动保存），请联网后再试"
NOT_KEPT_BATCH = "离线状态下不能查看：该批次的材料尚未保存到本机（联网同步后自动保存），请联网后再试"


@dataclass(frozen=True)
class Owner:
    """An application or a batch whose attachments are worth keeping; `newest` orders them (newest first)."""

    kind: str
    id: int
    version: int | None
    newest: datetime


@dataclass(frozen=True)
class KeptAttachments:
    """What is available offline after a `keep` or a `census`."""

    applications: frozenset[int] = frozenset()
    batches: frozenset[int] = frozenset()
    wanted: int = 0  # owners worth keeping (pending applications + returned batches)
    files: int = 0
    bytes: int = 0
    over_limit: int = 0  # owners left out because the budget was spent on newer ones
    evicted: int = 0
    cancelled: bool = False
    paths: tuple[Path, ...] = field(default=(), repr=False)

    @property
    def kept(self) -> int:
        return len(self.applications) + len(self.batches)

    def has(self, kind: str, owner_id: int) -> bool:
        return owner_id in (self.applications if kind == APPLICATION else self.batches)


_OLDEST = datetime.min.replace(tzinfo=UTC)


def _newest(*moments: datetime | None) -> datetime:
    present = [m if m.tzinfo is not None else m.replace(tzinfo=UTC) for m in moments if m is not None]
    return max(present, default=_OLDEST)


def owners_to_keep(cpas: Sequence[CpaRow], batches: Sequence[BatchRow]) -> list[Owner]:
    """The pending applications and the returned batches, newest first."""
    owners = [
        Owner(APPLICATION, row.application_id, row.version, _newest(row.submitted_at, row.updated_at))
        for row in cpas
        if row.application_id is not None and row.status == ApplicationState.PENDING_FIRM.value
    ]
    owners += [
        Owner(BATCH, batch.id, batch.version, _newest(batch.submitted_at, batch.updated_at))
        for batch in batches
        if batch.state == BatchState.RETURNED.value
    ]
    owners.sort(key=lambda o: (o.newest, o.id), reverse=True)
    return owners


class OfflineAttachments:
    def __init__(
        self, client: CmisClient, store: LocalStore, cache: AttachmentCache, limit_bytes: Callable[[], int]
    ) -> None:
        self.client = client
        self.store = store
        self.cache = cache
        self.limit_bytes = limit_bytes

    def _owners(self, year: int) -> list[Owner]:
        snap = self.store.snapshot(year)
        return owners_to_keep(snap.cpas, snap.batches)

    def _cached_attachments(self, owner: Owner, *, current: bool) -> tuple[Attachment, ...] | None:
        """The owner's attachment list from the local store (with `current`, only if it is of this version)."""
        if owner.kind == APPLICATION:
            app = self.store.application_detail(owner.id)
            if app is None or (current and app.row.version != owner.version):
                return None
            return app.attachments
        batch = self.store.batch_detail(owner.id)
        if batch is None or (current and batch.batch.version != owner.version):
            return None
        return batch.attachments

    def _attachments(self, owner: Owner) -> tuple[Attachment, ...]:
        cached = self._cached_attachments(owner, current=True)
        if cached is not None:
            return cached
        if owner.kind == APPLICATION:
            app = self.client.application(owner.id)
            self.store.save_application_detail(app)
            return app.attachments
        batch = self.client.batch(owner.id)
        self.store.save_batch_detail(batch)
        return batch.attachments

    def _kept_already(self, owner: Owner) -> tuple[Attachment, ...] | None:
        attachments = self._cached_attachments(owner, current=False)
        if attachments is not None and all(self.cache.has(a) for a in attachments):
            return attachments
        return None

    def census(self, year: int) -> KeptAttachments:
        """What is kept already, from the local store and the files on disk (no request; sizes, not hashes)."""
        owners = self._owners(year)
        kept: dict[str, set[int]] = {APPLICATION: set(), BATCH: set()}
        files = size = 0
        for owner in owners:
            attachments = self._kept_already(owner)
            if attachments is not None:
                kept[owner.kind].add(owner.id)
                files += len(attachments)
                size += sum(a.size for a in attachments)
        return KeptAttachments(frozenset(kept[APPLICATION]), frozenset(kept[BATCH]), len(owners), files, size)

    def keep(self, year: int, should_stop: Callable[[], bool] = lambda: False) -> KeptAttachments:
        """Fetch what is missing (newest first, within the budget), then evict the oldest files beyond it.

        Stops early (the result says `cancelled`) when `should_stop()` turns true or the server goes away; an
        owner whose files cannot be had (refused, a broken download) is skipped and tried again next time.
        """
        limit = max(0, self.limit_bytes())
        owners = self._owners(year)
        kept: dict[str, set[int]] = {APPLICATION: set(), BATCH: set()}
        paths: list[Path] = []
        used = over = 0
        cancelled = False
        index = 0
        for index, owner in enumerate(owners):
            if should_stop():
                cancelled = True
                break
            try:
                attachments = self._attachments(owner)
            except ServerUnreachable:
                cancelled = True
                break
            except ServiceError as e:
                log.info("keeping the attachments of %s %s: %s", owner.kind, owner.id, e)
                continue
            size = sum(a.size for a in attachments)
            if used + size > limit:
                over = len(owners) - index  # newest first: the older ones wait for room
                break
            owner_paths: list[Path] = []
            try:
                for attachment in attachments:
                    if should_stop():
                        raise _Stopped
                    owner_paths.append(self.cache.get(attachment, self.client.attachment_content))
            except _Stopped:
                cancelled = True
                break
            except ServerUnreachable:
                cancelled = True
                break
            except ServiceError as e:  # a refused or broken download: the next sync tries again
                log.info("keeping an attachment of %s %s: %s", owner.kind, owner.id, e)
                continue
            used += size
            paths += owner_paths
            kept[owner.kind].add(owner.id)
        if cancelled:  # what earlier runs kept of the owners not reached stays available
            for owner in owners[index:]:
                if self._kept_already(owner) is not None:
                    kept[owner.kind].add(owner.id)
        evicted = [] if cancelled else self.cache.evict(paths, limit)
        return KeptAttachments(
            frozenset(kept[APPLICATION]),
            frozenset(kept[BATCH]),
            len(owners),
            len(paths),
            used,
            over,
            len(evicted),
            cancelled,
            tuple(paths),
        )


class _Stopped(Exception):
    pass
