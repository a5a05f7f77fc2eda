"""One use case's change: the events it records, the rows it touches, its change-feed position.

Every state change goes through `Change`: `transition_application` / `transition_batch` ask the
domain (`firmdesk.domain.transitions`) for the next state and record the event; `finish()` hands
out one position of the global change counter to every touched CPA and batch (so the firm's
delta query is `change_seq > cursor`) and flushes. With an Idempotency-Key (`idempotency.scope`), the
first answer is stored in the same transaction and a repeat is answered from it (`Replay`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from firmdesk.domain.errors import VersionConflict
from firmdesk.domain.states import Action, ApplicationState, BatchState
from firmdesk.domain.transitions import next_application_state, next_batch_state
from firmdesk.server.db import write_queue
from firmdesk.server.db.models import Application, Batch, ChangeCounter, Cpa, Event, IdempotentRequest
from firmdesk.server.db.session import WRITE_OPTION, WRITE_TURN_LOCK
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.clock import utcnow
from firmdesk.server.services.idempotency import IdempotencyScope, claim, remember

VERSION_CONFLICT = "该记录已被他人修改，请刷新后重试"


def next_change_seq(session: Session) -> int:
    """Take the next position of the global change counter (row-locked until the transaction ends)."""
    session.execute(update(ChangeCounter).where(ChangeCounter.id == 1).values(value=ChangeCounter.value + 1))
    value = session.scalar(select(ChangeCounter.value).where(ChangeCounter.id == 1))
    if value is None:  # a database made without the migration's row
        session.add(ChangeCounter(id=1, value=1))
        session.flush()
        return 1
    return value


def current_change_seq(session: Session) -> int:
    return session.scalar(select(ChangeCounter.value).where(ChangeCounter.id == 1)) or 0


def lock_batch(session: Session, batch: Batch) -> None:
    """Re-read the batch under a row lock (PostgreSQL; SQLite already holds its write lock).
    Every use case touching a batch and its applications locks the batch first, so that two of them
    never wait on each other in opposite orders (a deadlock)."""
    session.refresh(batch, with_for_update=True)


def lock_cpa(session: Session, cpa_id: int) -> None:
    """Take the CPA's row lock until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's write transaction
    is exclusive already): what a CPA starts or counts (this year's application, today's face sessions) is
    then checked and made by one request at a time, whichever worker runs it."""
    session.execute(select(Cpa.id).where(Cpa.id == cpa_id).with_for_update())


def check_version(record: Application | Batch, expected: int | None) -> None:
    """Optimistic concurrency: the client's version, when it sends one, must be the current one."""
    if expected is not None and record.version != expected:
        raise VersionConflict(VERSION_CONFLICT, current_version=record.version)


def take_write_turn(session: Session) -> None:
    """Wait for this writer's turn to write; call it first in every use case that writes (`Change` does).

    SQLite has one write lock. A request's write session reads in a deferred transaction (its dependencies
    look up the token and load records in other threads); here that transaction ends and a `BEGIN IMMEDIATE`
    one begins, so the lock is held only inside the use case's own thread. Whatever was loaded before is
    expired and reloads under the lock (the current state, not the dependency's snapshot). A second call in
    the same transaction does nothing.

    PostgreSQL: every use case ends by bumping the change feed's one counter row, after row locks taken in an
    order that depends on the use case: under mixed load a CPA's edit and a firm's submit deadlocked on it.
    Taking one advisory lock first, inside the use case's own thread (not at the request's first query, which
    would hold it across the request's other thread hops and starve the pool), orders them all; the use cases
    are short (no hashing or file I/O inside)."""
    if write_queue.holds_turn(session):  # a second call in the same transaction
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        with write_queue.turn(session):  # this process's writers in order (write_queue.py), then PostgreSQL's
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_TURN_LOCK})
    elif dialect == "sqlite":
        session.commit()  # a reading transaction ends (no SQL when none is open)
        session.expire_all()  # also what an earlier transaction loaded (`expire_on_commit=False`)
        with write_queue.turn(session):  # this process's writers in order, and the workers' (write_queue.py)
            session.connection(execution_options={WRITE_OPTION: True})


class Change:
    """The transaction of one use case. Create it first (a repeated Idempotency-Key replays here)."""

    def __init__(self, session: Session, actor: Actor, idempotency: IdempotencyScope | None = None) -> None:
        take_write_turn(session)
        self.session = session
        self.actor = actor
        self.now = utcnow()
        self.idempotency = idempotency
        self._cpa_ids: set[int] = set()
        self._batches: dict[int, Batch] = {}
        self._finished = False
        self._record: IdempotentRequest | None = None
        if idempotency is not None:
            self._record = claim(session, idempotency, self.now)

    # --- recording ---

    def event(
        self,
        action: Action,
        *,
        application: Application | None = None,
        batch: Batch | None = None,
        from_state: str | None = None,
        to_state: str | None = None,
        reason: str | None = None,
        subject_account_id: int | None = None,
    ) -> Event:
        event = Event(
            subject_account_id=subject_account_id,
            application_id=application.id if application is not None else None,
            batch_id=batch.id if batch is not None else None,
            actor_role=self.actor.role.value,
            actor_id=self.actor.member_no,
            actor_name=self.actor.name,
            actor_account_id=self.actor.account_id,
            actor_person=self.actor.person_name,
            action=action.value,
            reason=reason,
            from_state=from_state,
            to_state=to_state,
            created_at=self.now,
        )
        self.session.add(event)
        return event

    def touch_cpa(self, cpa_id: int) -> None:
        self._cpa_ids.add(cpa_id)

    def touch_application(self, application: Application) -> None:
        application.updated_at = self.now
        application.updated_by = self.actor.display_person
        self._cpa_ids.add(application.cpa_id)

    def touch_batch(self, batch: Batch) -> None:
        batch.updated_at = self.now
        batch.updated_by = self.actor.display_person
        self._batches[id(batch)] = batch

    # --- transitions (the domain decides) ---

    def transition_application(
        self,
        application: Application,
        action: Action,
        *,
        reason: str | None = None,
        batch: Batch | None = None,
        record: bool = True,
    ) -> ApplicationState:
        old = ApplicationState(application.state)
        new = next_application_state(old, action)
        application.state = new.value
        self.touch_application(application)
        if record:
            self.event(
                action, application=application, batch=batch, from_state=old.value, to_state=new.value, reason=reason
            )
        return new

    def transition_batch(self, batch: Batch, action: Action, *, reason: str | None = None) -> BatchState:
        old = BatchState(batch.state)
        new = next_batch_state(old, action)
        self.set_batch_state(batch, new, action, reason=reason)
        return new

    def set_batch_state(self, batch: Batch, new: BatchState, action: Action, *, reason: str | None = None) -> None:
        """Record a batch-level event (application_id empty) and set the state the domain chose."""
        old = batch.state
        batch.state = new.value
        self.touch_batch(batch)
        self.event(action, batch=batch, from_state=old, to_state=new.value, reason=reason)

    # --- the end ---

    def finish(self) -> None:
        """Give the touched rows their change-feed position and flush (a stale version → 409).
        Call it before building the answer, so the answer shows the new versions."""
        try:
            self.session.flush()
            if self._cpa_ids or self._batches:
                seq = next_change_seq(self.session)
                if self._cpa_ids:
                    self.session.execute(
                        update(Cpa).where(Cpa.id.in_(sorted(self._cpa_ids))).values(change_seq=seq),
                        execution_options={"synchronize_session": False},
                    )
                for batch in self._batches.values():
                    batch.change_seq = seq
            self.session.flush()
        except StaleDataError:
            self.session.rollback()
            raise VersionConflict(VERSION_CONFLICT) from None
        self._finished = True

    def commit(self, response: Any = None, status_code: int = 200) -> None:
        """Commit the use case; with an idempotency scope, store `response` (built after `finish`)."""
        if not self._finished:
            self.finish()
        if self._record is not None:
            remember(self._record, status_code, response)
        try:
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise VersionConflict(VERSION_CONFLICT) from None
