# ruff: noqa: F811  (the fixtures imported from tests/helpers/offline are parameters of the tests)
"""Attachments kept for offline review against the real demo server: kept after a sync, opened with the server
stopped, within the disk budget (newest first, oldest evicted), a damaged copy detected and fetched again."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmdesk.services.api_client import CmisClient
from firmdesk.services.attachment_cache import AttachmentCache
from firmdesk.services.local_store import LocalStore
from firmdesk.services.offline_attachments import APPLICATION, OfflineAttachments, owners_to_keep
from firmdesk.services.sync import Synchronizer
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    YEAR,
    CountingTransport,
    RestartableServer,
    counting,
    demo_server_settings,
    firm_client,
    offline_folder,
    restartable_server,
)

CONTENT = "GET /firm/attachments"


@pytest.fixture
def store(offline_folder: Path, firm_client: CmisClient) -> Iterator[LocalStore]:
    store = LocalStore.open(offline_folder)
    Synchronizer(firm_client, store).sync(YEAR)
    yield store
    store.close()


def offline(client: CmisClient, store: LocalStore, folder: Path, limit: int = 500 * 1024 * 1024) -> OfflineAttachments:
    return OfflineAttachments(client, store, AttachmentCache(folder), lambda: limit)


def no_network(_attachment_id: int) -> bytes:
    raise AssertionError("the file should come from the local copy")


def content_requests(counting: CountingTransport) -> int:
    return sum(n for key, n in counting.counts.items() if key.startswith(CONTENT) and key.endswith("/content"))


def test_a_sync_keeps_every_pending_applications_attachments_and_they_open_with_the_server_stopped(
    firm_client: CmisClient,
    store: LocalStore,
    tmp_path: Path,
    restartable_server: RestartableServer,
    counting: CountingTransport,
) -> None:
    keeper = offline(firm_client, store, tmp_path / "attachments")
    kept = keeper.keep(YEAR)
    snap = store.snapshot(YEAR)
    pending = [r for r in snap.cpas if r.status == "pending_firm"]
    assert pending and not kept.cancelled and kept.over_limit == 0
    assert kept.applications == {r.application_id for r in pending}
    assert kept.kept == kept.wanted and kept.files > 0 and kept.bytes > 0
    for path in kept.paths:  # content-hash verified: stored under its own sha256
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.parent.name
    assert content_requests(counting) == kept.files

    # A second sync fetches nothing again.
    counting.reset()
    again = keeper.keep(YEAR)
    assert again.applications == kept.applications and content_requests(counting) == 0

    # Offline: the list comes from the local store, each file from the kept copy; no request can be made.
    restartable_server.stop()
    census = offline(firm_client, store, tmp_path / "attachments").census(YEAR)
    assert census.applications == kept.applications and census.files == kept.files
    cache = AttachmentCache(tmp_path / "attachments")  # a new process: nothing verified yet
    for row in pending:
        assert row.application_id is not None
        detail = store.application_detail(row.application_id)
        assert detail is not None
        for attachment in detail.attachments:
            path = cache.get(attachment, no_network)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == attachment.sha256


def test_the_disk_budget_keeps_the_newest_and_evicts_the_oldest_files(
    firm_client: CmisClient, store: LocalStore, tmp_path: Path
) -> None:
    folder = tmp_path / "attachments"
    everything = offline(firm_client, store, folder).keep(YEAR)
    snap = store.snapshot(YEAR)
    owners = owners_to_keep(snap.cpas, snap.batches)
    assert len(owners) >= 3
    # An old file of an application no longer pending, older than anything kept.
    stale = folder / "ab" / ("ab" + "0" * 62) / "old.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x" * 1000)
    os.utime(stale, (1_000_000_000, 1_000_000_000))

    newest = owners[0]
    detail = store.application_detail(newest.id) if newest.kind == APPLICATION else None
    assert detail is not None
    budget = sum(a.size for a in detail.attachments) + 1  # room for the newest owner only
    kept = offline(firm_client, store, folder, limit=budget).keep(YEAR)

    assert kept.applications == {newest.id} and kept.over_limit == len(owners) - 1
    assert not stale.exists() and kept.evicted >= 1
    on_disk = sum(p.stat().st_size for p in AttachmentCache(folder).files())
    assert on_disk <= budget < everything.bytes
    assert all(p.exists() for p in kept.paths)


def test_a_damaged_kept_file_is_detected_and_fetched_again(
    firm_client: CmisClient, store: LocalStore, tmp_path: Path, counting: CountingTransport
) -> None:
    keeper = offline(firm_client, store, tmp_path / "attachments")
    kept = keeper.keep(YEAR)
    damaged = kept.paths[0]
    good = damaged.read_bytes()
    damaged.write_bytes(b"\0" * len(good))  # same size, other bytes (a bad sector, a tool that rewrote it)
    counting.reset()

    again = keeper.keep(YEAR)

    assert content_requests(counting) == 1
    assert damaged.read_bytes() == good and again.applications == kept.applications


def test_keeping_stops_between_files_when_cancelled(
    firm_client: CmisClient, store: LocalStore, tmp_path: Path, counting: CountingTransport
) -> None:
    asked = []

    def stop_after_two() -> bool:
        asked.append(1)
        return len(asked) > 2

    kept = offline(firm_client, store, tmp_path / "attachments").keep(YEAR, stop_after_two)
    assert kept.cancelled and kept.kept < kept.wanted and content_requests(counting) <= 2
