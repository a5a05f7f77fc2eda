"""The demo's story: institute 50, firm 50010028 with about 60 CPAs in every state (its batches in
every batch state), and firm 50010031 beside it (for isolation); institute 51 (四川) with firm 51010001 of
its own. Each organisation is run by a person: the firm's 主管理员 张丽 does what the firm does; the
institute's staff (陈静, 王敏, 孙伟) take turns deciding its CPAs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select

from firmdesk.domain.states import Decision
from firmdesk.server.db.models import Firm
from firmdesk.server.demo.builder import (
    AppRecord,
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
    DEMO_FIRM_NAME,
    DEMO_FIRM_NUMBER,
    FAIL_REASONS,
    FIRM_RETURN_REASONS,
    INSTITUTE_RETURN_REASONS,
    SECOND_FIRM_NAME,
    SECOND_FIRM_NUMBER,
    SICHUAN_FIRM_NAME,
    SICHUAN_FIRM_NUMBER,
    SICHUAN_INSTITUTE_CODE,
    SICHUAN_INSTITUTE_NAME,
    DemoWindow,
    demo_window,
)
from firmdesk.server.demo.people import cpa_profile
from firmdesk.server.demo.steps import Clock, Cycle, Steps, between, later, past_years

#: The demo firm's roster: how many CPAs of each kind, and their traits.
_DEMO_ROSTER: tuple[tuple[int, str, dict[str, Any]], ...] = (
    (44, "ordinary", {"age": None, "retired": False}),
    (5, "retired", {"age": 63, "retired": True}),
    (3, "senior_retired", {"age": 72, "retired": True}),
    (1, "senior", {"age": 71, "retired": False}),
    (4, "low_hours", {"low_hours": True, "retired": False}),
    (3, "moved", {"moved": True, "age": 36, "retired": False}),
)
#: The CPAs the institute looks at closely, shown pending the firm's review (the readiness check's cases).
_DEMO_PENDING_KINDS = {"low_hours": 4, "moved": 2, "senior_retired": 1}


def seed_demo(
    target: SeedTarget,
    *,
    store: Store | None = None,
    hasher: PasswordHasher | None = None,
    now: datetime | None = None,
    seed: int = 2025,
) -> SeedSummary:
    """Fill a database with the spec's demo data (see `firmdesk.server.demo` and `SeedTarget`).

    Refuses (ValueError) if the demo firm already exists: the command line's `--reset` starts afresh.
    Institute 50 is reused if a generated firm made it first.
    """
    with opened(target, store, hasher) as into:
        if into.session.scalar(select(Firm.id).where(Firm.number == DEMO_FIRM_NUMBER)) is not None:
            raise ValueError(f"演示数据已存在（事务所 {DEMO_FIRM_NUMBER}）：如需重建请使用 --reset")
        now = now or utc_now()
        b = Builder(into, seed)
        story = Steps(b)
        window = demo_window(now)
        institute = ensure_institute(b, window)
        demo = add_firm(b, institute, DEMO_FIRM_NUMBER, DEMO_FIRM_NAME)
        demo_cpas = _demo_roster(b, demo)
        past_years(story, demo, demo_cpas, (25, 35))
        _demo_current_year(story, demo, demo_cpas, window)
        second = add_firm(b, institute, SECOND_FIRM_NUMBER, SECOND_FIRM_NAME)
        taken: set[str] = set()
        second_cpas = [add_cpa(b, second, i, cpa_profile(b.rng, taken)) for i in range(1, 9)]
        past_years(story, second, second_cpas, (10, 10))
        _second_firm_current_year(story, second, second_cpas, window)
        _sichuan(b, story, window)
        b.flush()
        return summary(b, window)


def _sichuan(b: Builder, story: Steps, window: DemoWindow) -> None:
    """Institute 51 (四川) with its own firm and named staff: what institute 50 must never see."""
    sichuan = ensure_institute(b, window, SICHUAN_INSTITUTE_CODE, SICHUAN_INSTITUTE_NAME)
    firm = add_firm(b, sichuan, SICHUAN_FIRM_NUMBER, SICHUAN_FIRM_NAME)
    taken: set[str] = set()
    cpas = [add_cpa(b, firm, i, cpa_profile(b.rng, taken)) for i in range(1, 9)]
    past_years(story, firm, cpas, (10, 10))
    _second_firm_current_year(story, firm, cpas, window)


def _demo_roster(b: Builder, firm: FirmRecord) -> list[dict[str, Any]]:
    taken: set[str] = set()
    people = [(kind, cpa_profile(b.rng, taken, **traits)) for count, kind, traits in _DEMO_ROSTER for _ in range(count)]
    b.rng.shuffle(people)
    return [add_cpa(b, firm, serial, profile, kind) for serial, (kind, profile) in enumerate(people, start=1)]


def _demo_current_year(story: Steps, firm: FirmRecord, cpas: list[dict[str, Any]], window: DemoWindow) -> None:
    """Firm 50010028 in 2025: every application state and every batch state (60 CPAs, see the comments)."""
    rng, clock, year = story.rng, Clock(window), window.current_year
    # The readiness cases wait for the firm's review; the other seniors and movers were approved early on.
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for cpa in cpas:
        by_kind.setdefault(story.b.kinds[cpa["id"]], []).append(cpa)
    pending = [c for kind, n in _DEMO_PENDING_KINDS.items() for c in by_kind[kind][:n]]
    notable = [c for kind in ("senior_retired", "senior", "moved") for c in by_kind[kind] if c not in pending]
    others = by_kind["ordinary"] + by_kind["retired"]
    rng.shuffle(others)
    pool = iter(notable + others)

    def take(n: int) -> list[dict[str, Any]]:
        return [next(pool) for _ in range(n)]

    def applied(group: list[dict[str, Any]], before: float, after: float = 0.0, failures: int = 0) -> list[AppRecord]:
        return [
            story.apply(c, firm, year, between(rng, clock.at(after), clock.at(before)), failures=failures)
            for c in group
        ]

    reasons = Cycle(rng)
    # Batch 1, reviewed: 12 approved, 1 deferred, 1 failed, 2 returned (one of them already resubmitted).
    b1 = story.submit_batch(firm, year, applied(take(16), 0.2), clock.at(0.22))
    outcomes = [(Decision.APPROVE, None)] * 12 + [
        (Decision.DEFER, reasons.pick(DEFER_REASONS)),
        (Decision.FAIL, reasons.pick(FAIL_REASONS)),
        (Decision.RETURN, reasons.pick(INSTITUTE_RETURN_REASONS)),
        (Decision.RETURN, reasons.pick(INSTITUTE_RETURN_REASONS)),
    ]
    story.review(b1, clock.at(0.3), outcomes)
    story.resubmit(b1.items[-1], clock.at(0.5))
    # Batch 2, withdrawn by the firm: its 4 go back to pending; 2 of them go again in batch 5.
    b2 = story.submit_batch(firm, year, applied(take(4), 0.33, 0.1), clock.at(0.35))
    story.withdraw(b2, clock.at(0.37))
    # Batch 3, returned whole by the institute (its 5 stay submitted in it).
    b3 = story.submit_batch(firm, year, applied(take(5), 0.4, 0.1), clock.at(0.42))
    story.return_batch(b3, clock.at(0.6), reasons.pick(BATCH_RETURN_REASONS))
    # Batch 4, reviewing: 2 approved, 1 deferred, 1 returned to the CPA, 3 still waiting.
    b4 = story.submit_batch(firm, year, applied(take(7), 0.5, 0.2), clock.at(0.52))
    story.review(
        b4,
        clock.at(0.7),
        [
            (Decision.APPROVE, None),
            (Decision.APPROVE, None),
            (Decision.DEFER, reasons.pick(DEFER_REASONS)),
            (Decision.RETURN, reasons.pick(INSTITUTE_RETURN_REASONS)),
        ],
    )
    # Batch 5, returned and sent again with a new social-security proof: submitted.
    b5 = story.submit_batch(firm, year, applied(take(3), 0.55, 0.3), clock.at(0.57))
    story.return_batch(b5, clock.at(0.65), reasons.pick(BATCH_RETURN_REASONS))
    story.resubmit_batch(b5, clock.at(0.75))
    # Batch 6, just submitted: 3 new and 2 from the withdrawn batch 2 (it can still be withdrawn).
    story.submit_batch(firm, year, applied(take(3), 0.85, 0.4) + b2.items[:2], clock.at(0.9))
    # Pending the firm: the 7 readiness cases, 2 after a firm return and a resubmission.
    applied(pending, 0.95, 0.3)
    for app in applied(take(2), 0.5, 0.2):
        story.firm_return(app, later(rng, clock.at(0.6)), reasons.pick(FIRM_RETURN_REASONS))
        story.resubmit(app, later(rng, clock.at(0.8)))
    # Returned by the firm, waiting for the CPA.
    for app in applied(take(4), 0.8, 0.3):
        story.firm_return(app, later(rng, clock.at(0.85), 30, 600), reasons.pick(FIRM_RETURN_REASONS))
    # Drafts: started, two after failed face verification.
    for index, cpa in enumerate(take(3)):
        app = story.start(cpa, firm, year, between(rng, clock.at(0.7), clock.at(0.95)))
        if index < 2:
            story.face(app, later(rng, app.created_at, 25, 40), passed=False)
    # The rest have not applied yet (未申请).


def _second_firm_current_year(story: Steps, firm: FirmRecord, cpas: list[dict[str, Any]], window: DemoWindow) -> None:
    """Firm 50010031 in 2025: one submitted batch of 3, 2 pending, 1 returned by the firm, 1 draft, 1 not applied."""
    rng, clock, year = story.rng, Clock(window), window.current_year

    def applied(group: list[dict[str, Any]], before: float) -> list[AppRecord]:
        return [story.apply(c, firm, year, between(rng, clock.at(0.1), clock.at(before))) for c in group]

    story.submit_batch(firm, year, applied(cpas[:3], 0.5), clock.at(0.55))
    applied(cpas[3:5], 0.9)
    for app in applied(cpas[5:6], 0.6):
        story.firm_return(app, clock.at(0.7), FIRM_RETURN_REASONS[0])
    story.start(cpas[6], firm, year, clock.at(0.8))
