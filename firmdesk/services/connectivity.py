"""Online/offline state of the client, the retry backoff while offline, and the time of the last sync (no Qt).

The UI adapter (`firmdesk/ui/sync_controller.py`) feeds it what happened (a sync succeeded, the server
could not be reached) and asks it when to try again; every transition happens here, in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Link(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        return "在线" if self is Link.ONLINE else "离线"


@dataclass(frozen=True)
class BackoffPolicy:
    """Seconds to wait before retry n (0-based): first, first·factor, … capped at `maximum` (2, 4, 8 … 60)."""

    first: float = 2.0
    factor: float = 2.0
    maximum: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.maximum, self.first * self.factor ** max(0, attempt))


@dataclass(frozen=True)
class Transition:
    """What a reported event changed: `changed` is True when online ↔ offline flipped."""

    link: Link
    changed: bool


class Connectivity:
    """The state machine: ONLINE --unreachable--> OFFLINE --sync ok--> ONLINE. Starts ONLINE (optimistic)."""

    def __init__(self, policy: BackoffPolicy | None = None, clock: Clock = utc_now) -> None:
        self.policy = policy or BackoffPolicy()
        self._clock = clock
        self.link = Link.ONLINE
        self.failures = 0  # consecutive failed attempts while offline
        self.last_sync: datetime | None = None
        self.offline_since: datetime | None = None
        self.last_error: str | None = None

    @property
    def online(self) -> bool:
        return self.link is Link.ONLINE

    def synced(self, at: datetime | None = None) -> Transition:
        """A request to the server succeeded (a sync: the last sync time moves)."""
        self.last_sync = at or self._clock()
        return self.reached()

    def reached(self) -> Transition:
        """Some request got an answer from the server: we are online."""
        changed = self.link is Link.OFFLINE
        self.link = Link.ONLINE
        self.failures = 0
        self.offline_since = None
        self.last_error = None
        return Transition(self.link, changed)

    def unreachable(self, message: str | None = None) -> Transition:
        """The server could not be reached (after the client's own quick retries)."""
        changed = self.link is Link.ONLINE
        if changed:
            self.offline_since = self._clock()
            self.failures = 0
        else:
            self.failures += 1
        self.link = Link.OFFLINE
        self.last_error = message
        return Transition(self.link, changed)

    def retry_delay(self) -> float:
        """Seconds until the next attempt while offline."""
        return self.policy.delay(self.failures)
