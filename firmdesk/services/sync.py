"""Incremental sync of one year through the change feed (`GET /firm/changes?since=`) into the local cache.

Plan first, then run (the vdirsyncer way): the plan says what to ask for (a delta from the stored cursor,
or everything); running it stores what the server answered. Nothing changed → exactly one small request.
A full answer with no CPA at all, while the cache holds some, is refused as suspicious (a server reset
or the wrong database) rather than wiping what the user sees; `allow_empty=True` accepts it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Generic, TypeVar

from firmdesk.services.api_client import CmisClient
from firmdesk.services.errors import ServerUnreachable, ServiceError
from firmdesk.services.local_store import LocalStore
from firmdesk.services.models import ApplicationDetail, BatchDetail, ChangeSet, FirmSummary

log = logging.getLogger(__name__)
T = TypeVar("T")


class SyncKind(StrEnum):
    DELTA = "delta"  # rows changed after the stored cursor
    FULL = "full"  # every row of the year (first sync, a recreated cache, or asked for)


@dataclass(frozen=True)
class SyncPlan:
    year: int
    kind: SyncKind
    since: int
    reason: str  # why this kind, for the log

    @property
    def full(self) -> bool:
        return self.kind is SyncKind.FULL


@dataclass(frozen=True)
class SyncResult:
    year: int
    full: bool
    cursor: int
    cpas_changed: int
    batches_changed: int
    requests: int
    seconds: float
    at: datetime

    @property
    def changed(self) -> bool:
        return self.full or bool(self.cpas_changed or self.batches_changed)


class SuspiciousEmpty(ServiceError):
    """The server says the firm has no CPA for the year while the cache has many: do not wipe them silently."""

    def __init__(self, year: int, cached: int) -> None:
        super().__init__(
            f"服务器返回的 {year} 年度注册会计师名单为空，而本地缓存中有 {cached} 人。"
            "为避免误删，本次同步未应用；如确认无误，请使用“完全重新同步”。"
        )
        self.year = year
        self.cached = cached


def plan_sync(store: LocalStore, year: int, *, full: bool = False) -> SyncPlan:
    """What to ask the server for, from what the cache last saw."""
    if full:
        return SyncPlan(year, SyncKind.FULL, 0, "asked for")
    cursor = store.cursor(year)
    if cursor <= 0:
        return SyncPlan(year, SyncKind.FULL, 0, "never synced" if not store.recreated else "cache recreated")
    return SyncPlan(year, SyncKind.DELTA, cursor, "cursor stored")


class Synchronizer:
    """`sync(year)` brings the cache up to date; blocking (runs on a worker thread). One sync at a time:
    two at once could store an older answer after a newer one."""

    def __init__(self, client: CmisClient, store: LocalStore) -> None:
        self.client = client
        self.store = store
        self._lock = threading.Lock()

    def sync(self, year: int, *, full: bool = False, allow_empty: bool = False) -> SyncResult:
        with self._lock:
            return self._sync(year, full=full, allow_empty=allow_empty)

    def _sync(self, year: int, *, full: bool, allow_empty: bool) -> SyncResult:
        started = time.perf_counter()
        plan = plan_sync(self.store, year, full=full)
        requests = 1
        changes = self.client.changes(year, since=plan.since)
        if not plan.full and changes.cursor < plan.since:
            # The counter went back: another database answers now. Start over from everything.
            log.warning("sync %s: server cursor %d < stored %d: full resync", year, changes.cursor, plan.since)
            plan = SyncPlan(year, SyncKind.FULL, 0, "server cursor went back")
            changes = self.client.changes(year, since=0)
            requests += 1
        if changes.full and not changes.cpas and not allow_empty:
            cached = self.store.cpa_count(year)
            if cached:
                raise SuspiciousEmpty(year, cached)
        result = self._run(plan, changes, requests, started)
        log.info(
            "sync %s (%s, %s): %d CPA rows, %d batches, %d requests, %.3f s",
            year, plan.kind, plan.reason, result.cpas_changed, result.batches_changed, result.requests, result.seconds,
        )  # fmt: skip
        return result

    def _run(self, plan: SyncPlan, changes: ChangeSet, requests: int, started: float) -> SyncResult:
        if not changes.full and not changes.cpas and not changes.batches:
            self.store.mark_synced(plan.year)
        else:
            # The summary's counts follow the rows: ask for it only when rows changed.
            summary: FirmSummary | None = self.client.summary(plan.year)
            requests += 1
            self.store.apply(plan.year, changes, summary)
        return SyncResult(
            year=plan.year,
            full=changes.full,
            cursor=changes.cursor,
            cpas_changed=len(changes.cpas),
            batches_changed=len(changes.batches),
            requests=requests,
            seconds=time.perf_counter() - started,
            at=datetime.now(UTC),
        )


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """A detail and whether it came from the server now (`fresh`) or from the cache (offline)."""

    value: T
    fresh: bool


def application_detail(client: CmisClient, store: LocalStore, application_id: int) -> Fetched[ApplicationDetail]:
    """The application's detail from the server (kept in the cache), or the cached one when offline."""
    try:
        detail = client.application(application_id)
    except ServerUnreachable:
        cached = store.application_detail(application_id)
        if cached is None:
            raise
        return Fetched(cached, fresh=False)
    store.save_application_detail(detail)
    return Fetched(detail, fresh=True)


def batch_detail(client: CmisClient, store: LocalStore, batch_id: int) -> Fetched[BatchDetail]:
    """The batch's detail (its CPAs, materials and events) from the server, or the cached one when offline."""
    try:
        detail = client.batch(batch_id)
    except ServerUnreachable:
        cached = store.batch_detail(batch_id)
        if cached is None:
            raise
        return Fetched(cached, fresh=False)
    store.save_batch_detail(detail)
    return Fetched(detail, fresh=True)
