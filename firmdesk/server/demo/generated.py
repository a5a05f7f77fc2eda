"""Generated firms (benchmarks): any size, realistic proportions, in institute 50."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.states import Decision
from firmdesk.server.db.models import Firm
from firmdesk.server.demo.builder import (
    A,
    AppRecord,
    BatchRecord,
    Builder,
    FirmRecord,
    SeedSummary,
    SeedTarget,
    Store,
    add_cpa,
    add_firm,
    ensure_institute,
    opened,
    summary,
    utc_now,
)
from firmdesk.server.demo.facts import (
    BATCH_RETURN_REASONS,
    DEFER_REASONS,
    FAIL_REASONS,
    FIRM_RETURN_REASONS,
    INSTITUTE_RETURN_REASONS,
    DemoWindow,
    demo_window,
)
from firmdesk.server.demo.people import cpa_profile, firm_name
from firmdesk.server.demo.steps import Clock, Steps, between, chunks, later, past_years

#: This year's fates of a generated firm's CPAs and their weights; "batch" CPAs go to the institute.
_GENERATED_FATES = {"none": 8, "draft": 5, "pending": 12, "firm_returned": 3, "batch": 72}
#: Outcomes of a reviewed batch's CPAs and their weights.
_REVIEW_WEIGHTS = {Decision.APPROVE: 93, Decision.DEFER: 2, Decision.FAIL: 1, Decision.RETURN: 4}
_REASONS = {
    Decision.APPROVE: (None,),
    Decision.DEFER: DEFER_REASONS,
    Decision.FAIL: FAIL_REASONS,
    Decision.RETURN: INSTITUTE_RETURN_REASONS,
}
MAX_GENERATED_CPAS = 9999  # certificate numbers are the firm number + 4 digits


def generate_firm(
    target: SeedTarget,
    cpas: int,
    number: str | None = None,
    seed: int = 0,
    *,
    store: Store | None = None,
    hasher: PasswordHasher | None = None,
    now: datetime | None = None,
) -> SeedSummary:
    """Add a firm of `cpas` CPAs to institute 50 (made if missing): past years approved, this year spread out."""
    if not 1 <= cpas <= MAX_GENERATED_CPAS:
        raise ValueError(f"注册会计师人数应在 1 到 {MAX_GENERATED_CPAS} 之间")
    with opened(target, store, hasher) as into:
        session = into.session
        if number is not None and session.scalar(select(Firm.id).where(Firm.number == number)) is not None:
            raise ValueError(f"事务所 {number} 已存在")
        now = now or utc_now()
        b = Builder(into, seed)
        b.shared_samples = True
        story = Steps(b)
        window = demo_window(now)
        institute = ensure_institute(b, window)
        firm = add_firm(b, institute, number or _free_firm_number(session), firm_name(b.rng))
        taken: set[str] = set()
        people = [add_cpa(b, firm, serial, cpa_profile(b.rng, taken)) for serial in range(1, cpas + 1)]
        past_years(story, firm, people, (20, 200))
        _generated_current_year(story, firm, people, window)
        b.flush()
        return summary(b, window)


def _free_firm_number(session: Session) -> str:
    used = set(session.scalars(select(Firm.number)))
    return next(str(n) for n in range(50019001, 50020000) if str(n) not in used)


def _batch_kinds(count: int) -> list[str]:
    """The states of a firm's batches, oldest first: reviewed ones, then one of each other state."""
    tail = ["withdrawn", "returned", "reviewing", "submitted"][-count:] if count else []
    return ["reviewed"] * (count - len(tail)) + tail


def _generated_current_year(story: Steps, firm: FirmRecord, cpas: list[dict[str, Any]], window: DemoWindow) -> None:
    rng, clock, year = story.rng, Clock(window), window.current_year
    fates = rng.choices(list(_GENERATED_FATES), weights=list(_GENERATED_FATES.values()), k=len(cpas))
    by_fate: dict[str, list[dict[str, Any]]] = {fate: [] for fate in _GENERATED_FATES}
    for cpa, fate in zip(cpas, fates, strict=True):
        by_fate[fate].append(cpa)

    def apply(cpa: dict[str, Any], before: datetime) -> AppRecord:
        failures = rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 1, 2))
        return story.apply(cpa, firm, year, between(rng, clock.at(0.0), before), failures=failures)

    groups = chunks(rng, by_fate["batch"], (20, 200))
    for index, (group, kind) in enumerate(zip(groups, _batch_kinds(len(groups)), strict=True)):
        submit_at = clock.at(0.1 + 0.75 * (index + 0.5) / len(groups))
        apps = [apply(cpa, submit_at - timedelta(hours=3)) for cpa in group]
        _finish_batch(story, story.submit_batch(firm, year, apps, submit_at), kind, clock)
    for cpa in by_fate["pending"]:
        apply(cpa, clock.at(0.97))
    for cpa in by_fate["firm_returned"]:
        story.firm_return(apply(cpa, clock.at(0.9)), clock.at(0.95), rng.choice(FIRM_RETURN_REASONS))
    for cpa in by_fate["draft"]:
        story.start(cpa, firm, year, between(rng, clock.at(0.0), clock.at(0.97)))


def _finish_batch(story: Steps, batch: BatchRecord, kind: str, clock: Clock) -> None:
    """Take a just-submitted batch to the state `kind` as the firm and the institute would."""
    rng, at = story.rng, later(story.rng, batch.submitted_at, 60 * 24, 60 * 48)
    if kind == "withdrawn":
        story.withdraw(batch, later(rng, batch.submitted_at, 10, 120))
    elif kind == "returned":
        story.return_batch(batch, at, rng.choice(BATCH_RETURN_REASONS))
    elif kind in ("reviewed", "reviewing"):
        count = len(batch.items) if kind == "reviewed" else len(batch.items) // 2
        outcomes = rng.choices(list(_REVIEW_WEIGHTS), weights=list(_REVIEW_WEIGHTS.values()), k=count)
        end = story.review(batch, at, [(d, rng.choice(_REASONS[d])) for d in outcomes])
        for app in batch.items:
            if app.state is A.INSTITUTE_RETURNED and rng.random() < 0.5:
                story.resubmit(app, later(rng, end, 60, 60 * 24))
