"""Reading the cached rows during the login: the same rows the store gives, only for the year read, and the
store left as it was (no file made where none was, a damaged file not moved)."""

# ruff: noqa: F811  (the fixtures imported from tests.helpers.offline are parameters of the tests)
from __future__ import annotations

from pathlib import Path

from firmdesk.services.api_client import CmisClient
from firmdesk.services.cache_prefetch import CachePrefetch
from firmdesk.services.local_store import CACHE_FILE, LocalStore
from firmdesk.services.sync import Synchronizer
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    RestartableServer,
    counting,
    demo_server_settings,
    firm_client,
    offline_folder,
    restartable_server,
)


def test_the_prefetch_gives_the_cached_rows_of_the_current_year_once(
    firm_client: CmisClient, offline_folder: Path
) -> None:
    firm = firm_client.firm()
    store = LocalStore.open(offline_folder)
    store.save_firm(firm)
    Synchronizer(firm_client, store).sync(firm.current_year)
    expected = store.snapshot(firm.current_year)
    store.close()
    assert expected.cpas

    prefetch = CachePrefetch(offline_folder)
    assert prefetch.take(firm.current_year - 1) is None  # another year: the window reads it itself
    prefetch = CachePrefetch(offline_folder)
    assert prefetch.take(firm.current_year) == expected
    assert prefetch.take(firm.current_year) is None  # given once: a reload reads the store anew


def test_no_cache_means_no_rows_and_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "never-synced"
    assert CachePrefetch(folder).take(2025) is None
    assert not (folder / CACHE_FILE).exists()


def test_a_damaged_cache_is_left_for_the_window_to_set_aside(tmp_path: Path) -> None:
    folder = tmp_path / "damaged"
    folder.mkdir()
    (folder / CACHE_FILE).write_bytes(b"not a database" * 100)
    assert CachePrefetch(folder).take(2025) is None
    assert (folder / CACHE_FILE).read_bytes() == b"not a database" * 100
    assert sorted(p.name for p in folder.iterdir()) == [CACHE_FILE]
