"""Sync figures for a generated firm over loopback: full sync, unchanged resync, and opening the cache.

`python benchmarks/sync_bench.py --cpas 5000 --json` prints one JSON object. For benchmarks/run.py:
`measure_sync(bench)` takes anything with `cpas`, `repeat` and `workdir` (its `Bench`) and returns
`full_sync_s`, `delta_sync_s`, `sync_delta_requests`, `sync_open_cache_s`, `sync_rows`.
Targets (issue 5): full sync of 5,000 CPAs < 2 s, unchanged resync < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

FIRM_NUMBER = "50019001"
FIRM_PASSWORD = "demo1234"


class BenchLike(Protocol):
    cpas: int
    repeat: int
    workdir: Path


class _CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[request.url.path] += 1
        return super().handle_request(request)


@dataclass
class SyncBench:
    """A running server with a generated firm of `cpas` CPAs; `close()` stops it."""

    cpas: int
    workdir: Path
    year: int = 0
    transport: _CountingTransport = field(default_factory=_CountingTransport)

    def __post_init__(self) -> None:
        from firmdesk.server.config import fast_test_settings
        from firmdesk.server.demo import generate_firm
        from firmdesk.server.runner import ServerThread
        from firmdesk.services.api_client import CmisClient

        settings = fast_test_settings(self.workdir / "server")
        generate_firm(settings, cpas=self.cpas, number=FIRM_NUMBER)
        self.server = ServerThread(settings).start()
        self.client = CmisClient(self.server.base_url, transport=self.transport)
        self.client.login("firm", FIRM_NUMBER, FIRM_PASSWORD)
        self.year = self.client.firm().current_year
        self._stores = 0

    def _fresh_store(self) -> Any:  # a LocalStore (imported lazily)
        from firmdesk.services.local_store import LocalStore

        self._stores += 1
        return LocalStore.open(self.workdir / "client" / f"store-{self._stores}")

    def full_sync_s(self) -> float:
        """Seconds for a first sync into an empty cache (every row of the year, the summary, stored)."""
        from firmdesk.services.sync import Synchronizer

        store = self._fresh_store()
        started = time.perf_counter()
        Synchronizer(self.client, store).sync(self.year)
        elapsed = time.perf_counter() - started
        store.close()
        return elapsed

    def delta_sync(self) -> tuple[float, int, int]:
        """(seconds, requests, rows) of a resync where nothing changed, after a full one."""
        from firmdesk.services.sync import Synchronizer

        store = self._fresh_store()
        sync = Synchronizer(self.client, store)
        first = sync.sync(self.year)
        self.transport.counts.clear()
        started = time.perf_counter()
        sync.sync(self.year)
        elapsed = time.perf_counter() - started
        requests = sum(self.transport.counts.values())
        store.close()
        return elapsed, requests, first.cpas_changed

    def open_cache_s(self) -> float:
        """Seconds from opening a filled cache to having the year's rows (what the window shows first)."""
        from firmdesk.services.local_store import LocalStore
        from firmdesk.services.sync import Synchronizer

        store = self._fresh_store()
        Synchronizer(self.client, store).sync(self.year)
        path = store.path.parent
        store.close()
        started = time.perf_counter()
        reopened = LocalStore.open(path)
        reopened.snapshot(self.year)
        elapsed = time.perf_counter() - started
        reopened.close()
        return elapsed

    def close(self) -> None:
        self.client.close()
        self.server.stop()


def measure_sync(bench: BenchLike) -> dict[str, float]:
    """The figures for benchmarks/run.py (best of `repeat` runs each)."""
    sb = SyncBench(bench.cpas, Path(tempfile.mkdtemp(dir=bench.workdir)))
    try:
        sb.full_sync_s()  # warm-up: imports, first connection, SQLite caches of the server
        full = min(sb.full_sync_s() for _ in range(bench.repeat))
        deltas = [sb.delta_sync() for _ in range(bench.repeat)]
        open_cache = min(sb.open_cache_s() for _ in range(bench.repeat))
    finally:
        sb.close()
    return {
        "sync_rows": deltas[0][2],
        "full_sync_s": full,
        "delta_sync_s": min(d[0] for d in deltas),
        "sync_delta_requests": max(d[1] for d in deltas),
        "sync_open_cache_s": open_cache,
    }


@dataclass
class _Bench:
    cpas: int
    repeat: int
    workdir: Path


def full_sync_s(cpas: int = 5000, repeat: int = 3) -> float:
    return run(cpas, repeat)["full_sync_s"]


def delta_sync_s(cpas: int = 5000, repeat: int = 3) -> float:
    return run(cpas, repeat)["delta_sync_s"]


def run(cpas: int = 5000, repeat: int = 3) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="firmdesk-sync-bench-") as workdir:
        return measure_sync(_Bench(cpas, repeat, Path(workdir)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpas", type=int, default=5000, help="CPAs in the generated firm (default 5000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is printed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    results = {"cpas": args.cpas, **run(args.cpas, max(1, args.repeat))}
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in results.items()}
    if args.json:
        print(json.dumps(rounded))
    else:
        for key, value in rounded.items():
            print(f"{key:>22}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
