"""What CPAs, firms and the institute do in the demo: the inspection's steps (`Steps`) and the helpers
that place them in time; earlier years (`past_years`) are told the same way for every firm."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from firmdesk.domain.limits import RETIREMENT_PROOF_MATERIAL, SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.readiness import ApplicationFacts, FlagLevel, ReadinessFlag, readiness_flags
from firmdesk.domain.states import DECISION_ACTIONS, DECISION_LABELS, Action, Decision, Role
from firmdesk.domain.transitions import batch_state_after_decision, next_batch_state
from firmdesk.server.db.models import Application, Attachment, Batch, BatchFlag, FaceSession, Message
from firmdesk.server.demo.builder import A, Actor, AppRecord, BatchRecord, Builder, FirmRecord
from firmdesk.server.demo.facts import DEFER_REASONS, FAIL_REASONS, PAST_YEARS, DemoWindow
from firmdesk.server.security import new_token
from firmdesk.server.services.messages import RETURNED_BY, decision_message, return_message

T = TypeVar("T")


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(0, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randint(0, span))


def later(rng: random.Random, at: datetime, lo_minutes: int = 3, hi_minutes: int = 90) -> datetime:
    return at + timedelta(minutes=rng.randint(lo_minutes, hi_minutes))


class Steps:
    """The steps of the inspection, each leaving the records the service would leave. The firm acts
    through its 主管理员, the institute through its first account, a CPA through its own account."""

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.rng = b.rng

    def start(self, cpa: dict[str, Any], firm: FirmRecord, year: int, at: datetime) -> AppRecord:
        """The CPA starts an application and uploads the materials its status requires."""
        b = self.b
        app = AppRecord(b.new_id(Application), cpa, firm, year, cpa["retired"], at, b.cpa_accounts[cpa["id"]])
        b.apps.append(app)
        b.event(app.actor, Action.START, at, app=app, to_state=A.DRAFT.value)
        institute = firm.institute
        materials = institute.materials_retired if app.retired else institute.materials_working
        owner = firm.number if b.shared_samples else cpa["cert_no"]
        for material in materials:
            b.attach(material, owner, later(self.rng, at, 1, 20), application_id=app.id)
        return app

    def face(self, app: AppRecord, at: datetime, passed: bool) -> None:
        self.b.add(
            FaceSession,
            token=new_token(),
            cpa_id=app.cpa["id"],
            application_id=app.id,
            status="passed" if passed else "failed",
            created_at=at - timedelta(minutes=2),
            resolved_at=at,
        )
        self.b.step(app, app.actor, Action.FACE_PASSED if passed else Action.FACE_FAILED, at)
        if passed:
            app.submitted_at = at

    def apply(
        self, cpa: dict[str, Any], firm: FirmRecord, year: int, start: datetime, *, failures: int = 0
    ) -> AppRecord:
        """Start, upload, then face verification (after `failures` failed tries): pending the firm."""
        app = self.start(cpa, firm, year, start)
        at = later(self.rng, start, 25, 40)
        for _ in range(failures):
            self.face(app, at, passed=False)
            at = later(self.rng, at, 2, 30)
        self.face(app, at, passed=True)
        return app

    def firm_return(self, app: AppRecord, at: datetime, reason: str) -> None:
        self.b.step(app, app.firm.actor, Action.FIRM_RETURN, at, reason=reason)
        app.last_reason = reason
        self._notify_return(app, at, app.firm.actor, reason)

    def _notify_return(self, app: AppRecord, at: datetime, by: Actor, reason: str) -> None:
        """The CPA's message, worded by the server's own `return_message`."""
        self.b.message(app, at, *return_message(app.year, RETURNED_BY[Role(by.role)], by.name, reason))

    def _notify_decision(self, app: AppRecord, at: datetime, label: str, reason: str | None) -> None:
        self.b.message(app, at, *decision_message(app.year, label, reason))

    def resubmit(self, app: AppRecord, at: datetime) -> None:
        for message in self.b.rows[Message]:
            if message["application_id"] == app.id and message["read_at"] is None:
                message["read_at"] = at - timedelta(minutes=5)
        self.b.step(app, app.actor, Action.RESUBMIT, at)
        app.submitted_at = at
        app.last_reason = None  # as the server's own resubmit: the return's reason stays in the trail only

    def submit_batch(self, firm: FirmRecord, year: int, apps: Sequence[AppRecord], at: datetime) -> BatchRecord:
        b = self.b
        seq = firm.batch_seq.get(year, 0) + 1
        firm.batch_seq[year] = seq
        batch = BatchRecord(b.new_id(Batch), firm, year, seq, at)
        b.batches.append(batch)
        b.attach(SOCIAL_SECURITY_MATERIAL, batch.number, at - timedelta(minutes=1), batch_id=batch.id)
        for app in apps:
            b.step(app, firm.actor, Action.SUBMIT_BATCH, at, batch=batch)
            app.batch_id = batch.id
            app.last_reason = None
            batch.items.append(app)
            for flag in yellow_flags(app, year):  # kept with the batch, as the server keeps them
                b.add(
                    BatchFlag,
                    batch_id=batch.id,
                    application_id=app.id,
                    level=flag.level.value,
                    code=flag.code,
                    message=flag.message,
                    created_at=at,
                )
        b.event(firm.actor, Action.SUBMIT_BATCH, at, batch=batch, to_state=batch.state.value)
        return batch

    def _batch_step(
        self, batch: BatchRecord, actor: Actor, action: Action, at: datetime, reason: str | None = None
    ) -> None:
        """A whole-batch action: recorded once on the batch and once on each of its applications."""
        new_state = next_batch_state(batch.state, action)
        self.b.event(
            actor, action, at, batch=batch, reason=reason, from_state=batch.state.value, to_state=new_state.value
        )
        batch.state = new_state
        batch.updated_at = at
        batch.version += 1
        for app in batch.members:
            self.b.step(app, actor, action, at, reason=reason, batch=batch)

    def withdraw(self, batch: BatchRecord, at: datetime) -> None:
        members = batch.members
        self._batch_step(batch, batch.firm.actor, Action.WITHDRAW_BATCH, at)
        for app in members:
            app.batch_id = None

    def return_batch(self, batch: BatchRecord, at: datetime, reason: str) -> None:
        self._batch_step(batch, batch.firm.institute.actor, Action.RETURN_BATCH, at, reason)
        batch.return_reason = reason

    def resubmit_batch(self, batch: BatchRecord, at: datetime) -> None:
        """The firm replaces the social-security proof and sends the returned batch again."""
        for attachment in self.b.rows[Attachment]:
            if attachment["batch_id"] == batch.id:
                attachment["removed"] = True
        self.b.attach(SOCIAL_SECURITY_MATERIAL, f"{batch.number}-2", at - timedelta(minutes=2), batch_id=batch.id)
        self._batch_step(batch, batch.firm.actor, Action.RESUBMIT_BATCH, at)
        batch.return_reason = None

    def decide(
        self, batch: BatchRecord, app: AppRecord, decision: Decision, at: datetime, reason: str | None = None
    ) -> None:
        institute = batch.firm.institute.deciding(app.id)
        self.b.step(app, institute, DECISION_ACTIONS[decision], at, reason=reason, batch=batch)
        app.last_reason = reason
        if decision is Decision.RETURN:
            app.batch_id = None
            self._notify_return(app, at, institute, reason or DECISION_LABELS[decision])
        else:
            app.decided_at = at
            self._notify_decision(app, at, decision.label, reason)
        # Newest members first: undecided ones are found at once, so big batches stay linear.
        members = (m.state for m in reversed(batch.items) if m.batch_id == batch.id)
        new_state = batch_state_after_decision(batch.state, members)
        if new_state is not batch.state:  # the batch's own event, as the server records it
            self.b.event(
                institute,
                DECISION_ACTIONS[decision],
                at,
                batch=batch,
                from_state=batch.state.value,
                to_state=new_state.value,
            )
        batch.state = new_state
        batch.updated_at = at
        batch.version += 1

    def review(self, batch: BatchRecord, start: datetime, outcomes: Iterable[tuple[Decision, str | None]]) -> datetime:
        """The institute decides the batch's members in order, one `outcomes` entry each; the rest stay."""
        at = start
        for app, (decision, reason) in zip(list(batch.members), outcomes, strict=False):
            at = later(self.rng, at, 1, 5)
            self.decide(batch, app, decision, at, reason)
        return at


def yellow_flags(app: AppRecord, year: int) -> list[ReadinessFlag]:
    """The yellow readiness flags of a demo application (the demo submits no red ones): age, a move."""
    cpa = app.cpa
    facts = ApplicationFacts(
        year=year,
        retired=app.retired,
        birth_date=cpa["birth_date"],
        training_hours=0.0,
        uploaded_materials=frozenset({RETIREMENT_PROOF_MATERIAL}),
        required_materials=(),
        min_training_hours=0.0,
        moved_in_year=cpa["joined_firm_on"] is not None and cpa["joined_firm_on"].year == year,
    )
    return [f for f in readiness_flags(facts) if f.level is FlagLevel.YELLOW]


def past_years(story: Steps, firm: FirmRecord, cpas: list[dict[str, Any]], batch_size: tuple[int, int]) -> None:
    """Earlier years: everyone at the firm then applied; batches reviewed, nearly all approved."""
    rng = story.rng
    for year in PAST_YEARS:
        start, end = datetime(year + 1, 1, 6, 1), datetime(year + 1, 4, 25, 8)
        eligible = [cpa for cpa in cpas if cpa["joined_firm_on"] < date(year + 1, 1, 1)]
        groups = chunks(rng, eligible, batch_size)
        for index, group in enumerate(groups):
            submit_at = (start + (end - start) * (index + 0.6) / (len(groups) + 0.5)).replace(microsecond=0)
            apps = [story.apply(cpa, firm, year, between(rng, start, submit_at - timedelta(hours=2))) for cpa in group]
            batch = story.submit_batch(firm, year, apps, submit_at)
            outcomes = [_past_outcome(rng) for _ in apps]
            story.review(batch, submit_at + timedelta(days=rng.randint(2, 6)), outcomes)


def _past_outcome(rng: random.Random) -> tuple[Decision, str | None]:
    roll = rng.random()
    if roll < 0.02:
        return Decision.DEFER, rng.choice(DEFER_REASONS)
    if roll < 0.03:
        return Decision.FAIL, rng.choice(FAIL_REASONS)
    return Decision.APPROVE, None


def chunks(rng: random.Random, items: list[T], size: tuple[int, int]) -> list[list[T]]:
    """`items` cut into groups of a random size in `size` (the last may be smaller)."""
    groups: list[list[T]] = []
    index = 0
    while index < len(items):
        n = rng.randint(*size)
        groups.append(items[index : index + n])
        index += n
    return groups


class Clock:
    """Points in this year's activity period, as fractions of it."""

    def __init__(self, window: DemoWindow) -> None:
        self.start, self.end = window.activity_start, window.activity_end

    def at(self, fraction: float) -> datetime:
        return (self.start + (self.end - self.start) * fraction).replace(microsecond=0)


class Cycle:
    """Picks reasons so that consecutive picks from one list differ."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: dict[int, int] = {}

    def pick(self, choices: tuple[str, ...]) -> str:
        index = self._used.get(id(choices), self._rng.randrange(len(choices)))
        self._used[id(choices)] = index + 1
        return choices[index % len(choices)]
