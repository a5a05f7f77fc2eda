"""Incremental sync through the change feed: one small request when nothing changed, deltas, full resync,
and no silent wipe when a server suddenly has nobody."""

# ruff: noqa: F811  (the fixtures imported from offline_fixtures are parameters of the tests)
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firmdesk.server.config import fast_test_settings
from firmdesk.server.runner import ServerThread
from firmdesk.services.api_client import CmisClient
from firmdesk.services.local_store import LocalStore
from firmdesk.services.sync import SuspiciousEmpty, Synchronizer, SyncKind, plan_sync
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    DEMO_FIRM,
    YEAR,
    CountingTransport,
    RestartableServer,
    counting,
    demo_server_settings,
    firm_client,
    offline_folder,
    restartable_server,
)
from tests.helpers.server import FIRM_PASSWORD, ServerBuilder


@pytest.fixture
def store(offline_folder: Path) -> Iterator[LocalStore]:
    store = LocalStore.open(offline_folder)
    yield store
    store.close()


def test_the_first_sync_is_full_and_plans_a_delta_afterwards(firm_client: CmisClient, store: LocalStore) -> None:
    assert plan_sync(store, YEAR).kind is SyncKind.FULL
    result = Synchronizer(firm_client, store).sync(YEAR)
    assert result.full and result.cpas_changed == store.cpa_count(YEAR) > 50
    plan = plan_sync(store, YEAR)
    assert plan.kind is SyncKind.DELTA and plan.since == result.cursor
    assert plan_sync(store, YEAR, full=True).kind is SyncKind.FULL


def test_a_sync_with_nothing_changed_is_exactly_one_small_request(
    firm_client: CmisClient, store: LocalStore, counting: CountingTransport
) -> None:
    sync = Synchronizer(firm_client, store)
    sync.sync(YEAR)
    before = store.last_synced(YEAR)
    counting.reset()

    result = sync.sync(YEAR)

    assert counting.counts == {"GET /firm/changes": 1}
    assert result.requests == 1 and not result.changed
    after = store.last_synced(YEAR)
    assert before is not None and after is not None and after >= before


def test_a_change_on_the_server_arrives_as_a_delta_of_that_row_only(
    firm_client: CmisClient, store: LocalStore, counting: CountingTransport
) -> None:
    sync = Synchronizer(firm_client, store)
    sync.sync(YEAR)
    pending = next(r for r in store.snapshot(YEAR).cpas if r.status == "pending_firm")
    assert pending.application_id is not None
    # Another administrator returns it meanwhile (through the API, like another FirmDesk would).
    firm_client.return_applications([(pending.application_id, pending.version)], "材料不全")
    counting.reset()

    result = sync.sync(YEAR)

    assert not result.full and result.cpas_changed == 1
    assert counting.counts == {"GET /firm/changes": 1, "GET /firm/summary": 1}
    row = store.row_of_application(pending.application_id)
    assert row is not None and row.status == "firm_returned" and row.reason == "材料不全"
    snapshot = store.snapshot(YEAR)
    assert snapshot.summary is not None
    assert snapshot.summary.by_status["firm_returned"] == sum(1 for r in snapshot.cpas if r.status == "firm_returned")


def test_full_resync_replaces_the_year(firm_client: CmisClient, store: LocalStore) -> None:
    sync = Synchronizer(firm_client, store)
    first = sync.sync(YEAR)
    again = sync.sync(YEAR, full=True)
    assert again.full and again.cpas_changed == first.cpas_changed
    assert store.cpa_count(YEAR) == first.cpas_changed


def _other_database(tmp_path: Path, cpas: int) -> ServerThread:
    """Another server database where firm 50010028 exists with `cpas` CPAs (a reset or restored server)."""
    settings = fast_test_settings(tmp_path / "other-server")
    builder = ServerBuilder(settings)
    firm = builder.firm(builder.institute(), number=DEMO_FIRM)
    for _ in range(cpas):
        builder.cpa(firm)
    builder.close()
    return ServerThread(settings)


def test_a_server_whose_cursor_went_back_gets_a_full_resync(
    firm_client: CmisClient, store: LocalStore, tmp_path: Path
) -> None:
    Synchronizer(firm_client, store).sync(YEAR)
    with _other_database(tmp_path, cpas=3) as other:
        client = CmisClient(other.base_url)
        client.login("firm", DEMO_FIRM, FIRM_PASSWORD)
        result = Synchronizer(client, store).sync(YEAR)
        client.close()
    assert result.full and result.requests == 3  # the delta, the full answer, the summary
    assert store.cpa_count(YEAR) == 3


def test_an_empty_full_answer_does_not_wipe_a_filled_cache(
    firm_client: CmisClient, store: LocalStore, tmp_path: Path
) -> None:
    Synchronizer(firm_client, store).sync(YEAR)
    cached = store.cpa_count(YEAR)
    with _other_database(tmp_path, cpas=0) as other:
        client = CmisClient(other.base_url)
        client.login("firm", DEMO_FIRM, FIRM_PASSWORD)
        with pytest.raises(SuspiciousEmpty) as refused:
            Synchronizer(client, store).sync(YEAR)
        assert store.cpa_count(YEAR) == cached
        assert "为避免误删" in refused.value.message
        Synchronizer(client, store).sync(YEAR, full=True, allow_empty=True)
        client.close()
    assert store.cpa_count(YEAR) == 0


def test_sync_survives_the_server_going_away_and_coming_back(
    restartable_server: RestartableServer, firm_client: CmisClient, store: LocalStore
) -> None:
    from firmdesk.services.errors import ServerUnreachable

    sync = Synchronizer(firm_client, store)
    sync.sync(YEAR)
    rows = store.snapshot(YEAR).cpas
    restartable_server.stop()
    with pytest.raises(ServerUnreachable):
        sync.sync(YEAR)
    assert store.snapshot(YEAR).cpas == rows  # browsing goes on from the cache
    restartable_server.start()
    assert not sync.sync(YEAR).changed


def test_backoff_doubles_from_two_seconds_up_to_a_minute() -> None:
    from firmdesk.services.connectivity import BackoffPolicy

    assert [BackoffPolicy().delay(n) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]


def test_connectivity_goes_offline_once_counts_failures_and_comes_back_on_a_sync() -> None:
    from datetime import UTC, datetime

    from firmdesk.services.connectivity import Connectivity, Link

    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    link = Connectivity(clock=lambda: now)
    assert link.online and link.last_sync is None
    assert link.unreachable("无法连接").changed
    assert link.link is Link.OFFLINE and link.offline_since == now and link.retry_delay() == 2
    assert not link.unreachable().changed and link.retry_delay() == 4
    back = link.synced()
    assert back.changed and back.link is Link.ONLINE and link.last_sync == now and link.failures == 0
    assert not link.synced().changed
