"""Rate limiting of the public verification page per client address, kept in the database (`rate_buckets`).

Two token buckets per client: every request takes one token from the *request* bucket (default 30 a
minute), and every unknown token additionally takes one from the stricter *miss* bucket (default 10 a
minute). A client with either bucket empty is refused (429 with `Retry-After`) until it has refilled,
so guessing tokens costs far more than opening real pages, and a client that has guessed too much is
refused even for real tokens (alternating would not help it).

The buckets are rows, read and written under a row lock (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write
transaction begins with `BEGIN IMMEDIATE`, exclusive already), so every worker process and thread counts
against the same buckets: with `serve --workers N` a client gets the limit once, not N times. Times are Unix
seconds (the same clock in every process). A bucket that is full again is the same as none: its row is
deleted (at most once a minute per process, for every client at once).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.server.db.models import RateBucket

#: Seconds between two deletions of full buckets' rows (per process).
PRUNE_EVERY_S = 60.0


@dataclass(frozen=True)
class Decision:
    """`allowed`, or else how many seconds until the client may try again (`retry_after`, whole seconds ≥ 1)."""

    allowed: bool
    retry_after: int = 0


@dataclass(frozen=True)
class _Limit:
    """`capacity` tokens, refilling at `capacity` per `period` seconds; `capacity` 0 = no limit."""

    name: str
    capacity: float
    period: float

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    @property
    def rate(self) -> float:
        return self.capacity / self.period

    def level(self, row: RateBucket, now: float) -> float:
        return min(self.capacity, row.tokens + max(0.0, now - row.at) * self.rate)

    def wait(self, row: RateBucket, now: float) -> float:
        """Seconds until the bucket holds one whole token (0 if it does)."""
        missing = 1 - self.level(row, now)
        return missing / self.rate if missing > 0 else 0.0

    def take(self, row: RateBucket, now: float) -> None:
        row.tokens = self.level(row, now) - 1
        row.at = now


def _insert_missing(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert the rows whose key is not there yet (a concurrent insert of the same key waits, then yields)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(RateBucket).values(rows).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(RateBucket).values(rows).on_conflict_do_nothing())
    else:  # other databases: the write transaction's lock is all there is
        for row in rows:
            if session.get(RateBucket, (row["bucket"], row["client"])) is None:
                session.add(RateBucket(**row))
        session.flush()


class PublicRateLimiter:
    """`check(client)` before answering, `missed(client)` after an unknown token. 0 per minute = no limit.

    `sessions` must make write sessions (`make_session_factory(engine, write=True)`)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        requests_per_minute: int = 30,
        misses_per_minute: int = 10,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._requests = _Limit("public.request", float(requests_per_minute), 60.0)
        self._misses = _Limit("public.miss", float(misses_per_minute), 60.0)
        self._clock = clock
        self._pruned_at = clock()
        self._prune_lock = threading.Lock()

    def _locked(self, session: Session, client: str, limits: list[_Limit], now: float) -> dict[str, RateBucket]:
        """The client's rows of `limits` (made full when missing), locked until the transaction ends."""
        _insert_missing(
            session, [{"bucket": li.name, "client": client, "tokens": li.capacity, "at": now} for li in limits]
        )
        rows = session.scalars(
            select(RateBucket)
            .where(RateBucket.client == client, RateBucket.bucket.in_([li.name for li in limits]))
            .order_by(RateBucket.bucket)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {row.bucket: row for row in rows}

    def check(self, client: str) -> Decision:
        """Count one request of `client`; refused (nothing counted) while either of its buckets is empty."""
        limits = [li for li in (self._requests, self._misses) if li.enabled]
        if not limits:
            return Decision(True)
        self._prune_now_and_then()
        with self._sessions.begin() as session:
            now = self._clock()
            rows = self._locked(session, client, limits, now)
            wait = max(li.wait(rows[li.name], now) for li in limits)
            if wait > 0:
                return Decision(False, max(1, math.ceil(wait)))
            if self._requests.enabled:
                self._requests.take(rows[self._requests.name], now)
            return Decision(True)

    def missed(self, client: str) -> None:
        """Count an unknown token asked for by `client` (the request itself was counted by `check`)."""
        if not self._misses.enabled:
            return
        with self._sessions.begin() as session:
            now = self._clock()
            self._misses.take(self._locked(session, client, [self._misses], now)[self._misses.name], now)

    def tracked_clients(self) -> int:
        """Client addresses with a bucket that is not full (the rows kept)."""
        with self._sessions() as session:
            return session.scalar(select(func.count(func.distinct(RateBucket.client)))) or 0

    def prune(self) -> None:
        """Delete the rows of buckets that are full again (a full bucket is the same as none)."""
        now = self._clock()
        with self._sessions.begin() as session:
            for limit in (self._requests, self._misses):
                if not limit.enabled:
                    session.execute(delete(RateBucket).where(RateBucket.bucket == limit.name))
                    continue
                full_again_at = RateBucket.at + (limit.capacity - RateBucket.tokens) / limit.rate
                session.execute(delete(RateBucket).where(RateBucket.bucket == limit.name, full_again_at <= now))

    def _prune_now_and_then(self) -> None:
        with self._prune_lock:
            if self._clock() - self._pruned_at < PRUNE_EVERY_S:
                return
            self._pruned_at = self._clock()
        self.prune()
