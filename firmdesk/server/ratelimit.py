"""In-process rate limiting of the public verification page, per client address (thread-safe).

Two token buckets per client: every request takes one token from the *request* bucket (default 30 a
minute), and every unknown token additionally takes one from the stricter *miss* bucket (default 10 a
minute). A client with either bucket empty is refused (429 with `Retry-After`) until it has refilled,
so guessing tokens costs far more than opening real pages, and a client that has guessed too much is
refused even for real tokens (alternating would not help it).

Memory stays bounded: a client whose buckets are full again is the same as one never seen and is
forgotten; past `max_clients` the least recently seen are dropped.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass(frozen=True)
class Decision:
    """`allowed`, or else how many seconds until the client may try again (`retry_after`, whole seconds ≥ 1)."""

    allowed: bool
    retry_after: int = 0


class _TokenBuckets:
    """Token buckets by key: `capacity` tokens, refilling at `capacity` per `period` s (the caller locks)."""

    def __init__(self, capacity: int, period: float) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / period if capacity > 0 else 0.0
        self.enabled = capacity > 0
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def level(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return self.capacity
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets.move_to_end(key)
        return bucket.tokens

    def take(self, key: str, now: float) -> None:
        tokens = self.level(key, now) - 1
        self._buckets[key] = _Bucket(tokens, now)
        self._buckets.move_to_end(key)

    def wait(self, key: str, now: float) -> float:
        """Seconds until the bucket holds one whole token (0 if it does)."""
        missing = 1 - self.level(key, now)
        return missing / self.rate if missing > 0 else 0.0

    def prune(self, now: float, max_keys: int) -> None:
        if len(self._buckets) <= max_keys:
            return
        for key in [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.capacity]:
            del self._buckets[key]
        while len(self._buckets) > max_keys:
            self._buckets.popitem(last=False)  # least recently seen

    def __len__(self) -> int:
        return len(self._buckets)


class PublicRateLimiter:
    """`check(client)` before answering, `missed(client)` after an unknown token. 0 per minute = no limit."""

    def __init__(
        self,
        requests_per_minute: int = 30,
        misses_per_minute: int = 10,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._requests = _TokenBuckets(requests_per_minute, 60.0)
        self._misses = _TokenBuckets(misses_per_minute, 60.0)
        self._max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()

    def check(self, client: str) -> Decision:
        """Count one request of `client`; refused (nothing counted) while either of its buckets is empty."""
        with self._lock:
            now = self._clock()
            wait = max(
                self._requests.wait(client, now) if self._requests.enabled else 0.0,
                self._misses.wait(client, now) if self._misses.enabled else 0.0,
            )
            if wait > 0:
                return Decision(False, max(1, math.ceil(wait)))
            if self._requests.enabled:
                self._requests.take(client, now)
                self._requests.prune(now, self._max_clients)
            return Decision(True)

    def missed(self, client: str) -> None:
        """Count an unknown token asked for by `client` (the request itself was counted by `check`)."""
        if not self._misses.enabled:
            return
        with self._lock:
            now = self._clock()
            self._misses.take(client, now)
            self._misses.prune(now, self._max_clients)

    def tracked_clients(self) -> int:
        with self._lock:
            return max(len(self._requests), len(self._misses))
