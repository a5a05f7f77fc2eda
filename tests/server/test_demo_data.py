"""The demo data covers every state the spec lists, and its trail is what the service would have recorded."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from firmdesk.domain.files import sniff_type
from firmdesk.domain.states import Action, ApplicationState, BatchState
from firmdesk.server.config import Settings, fast_test_settings
from firmdesk.server.db.models import (
    Account,
    Application,
    Attachment,
    Base,
    Batch,
    BatchFlag,
    BatchItem,
    ChangeCounter,
    Cpa,
    Event,
    Firm,
    Institute,
    Message,
    TrainingHours,
)
from firmdesk.server.db.session import make_engine
from firmdesk.server.demo import (
    CPA_PASSWORD,
    CURRENT_YEAR,
    DEMO_ADMINS,
    DEMO_FIRM_NUMBER,
    DEMO_INSTITUTE_CODE,
    DEMO_INSTITUTE_STAFF,
    FIRM_PASSWORD,
    INSTITUTE_PASSWORD,
    SECOND_FIRM_NUMBER,
    SICHUAN_FIRM_NUMBER,
    SICHUAN_INSTITUTE_CODE,
    demo_window,
    generate_firm,
    seed_demo,
)
from firmdesk.server.storage import AttachmentStore

A = ApplicationState
NOW = datetime(2026, 11, 27, 10, 0, 0)
DECISION_ACTIONS = {A.APPROVED: Action.APPROVE, A.DEFERRED: Action.DEFER, A.FAILED: Action.FAIL}
RETURN_ACTIONS = {A.FIRM_RETURNED: Action.FIRM_RETURN, A.INSTITUTE_RETURNED: Action.INSTITUTE_RETURN}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = fast_test_settings(tmp_path_factory.mktemp("demo"))
    seed_demo(settings, now=NOW)
    return settings


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings)
    with Session(engine) as session:
        yield session
    engine.dispose()


def firm_id(session: Session, number: str) -> int:
    return session.scalar(select(Firm.id).where(Firm.number == number))


def statuses(session: Session, number: str, year: int = CURRENT_YEAR) -> Counter[str]:
    """How many of the firm's CPAs are in each status for the year (`none`: no application)."""
    rows = session.execute(
        select(Cpa.id, Application.state)
        .outerjoin(Application, (Application.cpa_id == Cpa.id) & (Application.year == year))
        .where(Cpa.firm_id == firm_id(session, number))
    )
    return Counter(state or "none" for _, state in rows)


def trails(session: Session) -> dict[int, list[Event]]:
    by_app: dict[int, list[Event]] = defaultdict(list)
    for event in session.scalars(select(Event).order_by(Event.created_at, Event.id)):
        if event.application_id is not None:
            by_app[event.application_id].append(event)
    return by_app


def test_demo_firm_has_about_60_cpas_in_every_application_state(session: Session) -> None:
    counts = statuses(session, DEMO_FIRM_NUMBER)
    assert sum(counts.values()) == 60
    assert set(counts) == {"none", *(state.value for state in A)}


def test_a_reason_is_shown_only_while_it_applies(session: Session) -> None:
    """As the live server keeps it: a return's reason goes when the CPA resubmits or the firm submits."""
    reasoned = {A.FIRM_RETURNED, A.INSTITUTE_RETURNED, A.DEFERRED, A.FAILED}
    stale = session.scalars(
        select(Application).where(
            Application.state.not_in([s.value for s in reasoned]), Application.last_reason.is_not(None)
        )
    ).all()
    assert stale == []


def test_demo_firm_has_batches_in_every_batch_state_this_year(session: Session) -> None:
    states = session.scalars(
        select(Batch.state).where(Batch.firm_id == firm_id(session, DEMO_FIRM_NUMBER), Batch.year == CURRENT_YEAR)
    )
    assert set(states) == {state.value for state in BatchState}


def test_demo_firm_has_earlier_years_approved_for_most(session: Session) -> None:
    for year in (2023, 2024):
        counts = statuses(session, DEMO_FIRM_NUMBER, year)
        assert counts[A.APPROVED.value] >= 45, (year, counts)
        assert counts.keys() <= {"none", A.APPROVED.value, A.DEFERRED.value, A.FAILED.value}


def test_demo_firm_has_the_cases_the_readiness_check_looks_for(session: Session) -> None:
    firm = firm_id(session, DEMO_FIRM_NUMBER)
    cpas = session.scalars(select(Cpa).where(Cpa.firm_id == firm)).all()
    assert sum(c.retired for c in cpas) >= 5
    assert sum(CURRENT_YEAR - c.birth_date.year >= 70 for c in cpas) >= 3
    assert sum(c.joined_firm_on.year == CURRENT_YEAR for c in cpas) >= 2
    low_hours = session.scalar(
        select(func.count())
        .select_from(TrainingHours)
        .join(Cpa, Cpa.id == TrainingHours.cpa_id)
        .where(Cpa.firm_id == firm, TrainingHours.year == CURRENT_YEAR, TrainingHours.hours < 40)
    )
    assert low_hours >= 3


def test_every_application_state_is_where_its_events_lead(session: Session) -> None:
    by_app = trails(session)
    for application in session.scalars(select(Application)):
        events = by_app[application.id]
        assert events[0].action == Action.START.value and events[0].to_state == A.DRAFT.value
        for before, after in pairwise(events):
            assert after.from_state == before.to_state, (application.id, before.action, after.action)
        assert events[-1].to_state == application.state
        assert application.updated_at == events[-1].created_at


def test_decided_and_returned_applications_carry_their_event_and_reason(session: Session) -> None:
    by_app = trails(session)
    for application in session.scalars(select(Application)):
        actions = [e.action for e in by_app[application.id]]
        state = A(application.state)
        if state in DECISION_ACTIONS:
            assert actions[-1] == DECISION_ACTIONS[state].value
            assert application.decided_at is not None
        if state in RETURN_ACTIONS:
            assert actions[-1] == RETURN_ACTIONS[state].value
            assert application.last_reason and by_app[application.id][-1].reason == application.last_reason
            assert session.scalar(select(Message.id).where(Message.application_id == application.id))
        if state in (A.DEFERRED, A.FAILED):
            assert application.last_reason


def test_batch_states_match_their_members_and_events(session: Session) -> None:
    for batch in session.scalars(select(Batch)):
        events = session.scalars(select(Event).where(Event.batch_id == batch.id).order_by(Event.id)).all()
        actions = {e.action for e in events}
        members = session.scalars(select(Application).where(Application.batch_id == batch.id)).all()
        own = [e for e in events if e.application_id is None]  # the batch's own trail
        assert own[0].action == Action.SUBMIT_BATCH.value and own[0].from_state is None
        for before, after in pairwise(own):
            assert after.from_state == before.to_state, (batch.number, before.action, after.action)
        assert own[-1].to_state == batch.state
        assert batch.number == f"{batch.firm.number}-{batch.year}-{batch.seq}"
        if batch.state == BatchState.WITHDRAWN:
            assert Action.WITHDRAW_BATCH.value in actions and not members
        elif batch.state == BatchState.RETURNED:
            assert batch.return_reason
            assert all(m.state == A.SUBMITTED for m in members) and members
        elif batch.state == BatchState.REVIEWED:
            assert all(m.state != A.SUBMITTED for m in members)
        elif batch.state == BatchState.REVIEWING:
            assert any(m.state == A.SUBMITTED for m in members)
            assert any(m.state != A.SUBMITTED for m in members)
        else:
            assert all(m.state == A.SUBMITTED for m in members) and members


def test_submitted_applications_are_in_exactly_one_open_batch(session: Session) -> None:
    for application in session.scalars(select(Application).where(Application.state == A.SUBMITTED.value)):
        assert application.batch is not None
        assert application.batch.state in {BatchState.SUBMITTED, BatchState.REVIEWING, BatchState.RETURNED}
        assert session.scalar(
            select(BatchItem.id)
            .where(BatchItem.batch_id == application.batch_id)
            .where(BatchItem.application_id == application.id)
        )


def test_versions_times_and_change_feed_are_consistent(session: Session) -> None:
    by_app = trails(session)
    for application in session.scalars(select(Application)):
        assert application.version == len(by_app[application.id])  # 1 at the start, +1 a change
    assert session.scalar(select(func.max(Event.created_at))) <= NOW
    window = demo_window(NOW)
    assert window.deadline > NOW.date() and window.window_start <= NOW.date() - timedelta(days=60)
    counter = session.get(ChangeCounter, 1).value
    seqs = [*session.scalars(select(Cpa.change_seq)), *session.scalars(select(Batch.change_seq))]
    assert all(0 < seq <= counter for seq in seqs) and max(seqs) == counter
    # The last change of all is this year's newest event; the CPAs it touched carry its position.
    newest = session.scalars(select(Event).order_by(Event.created_at.desc(), Event.id.desc())).first()
    assert session.get(Application, newest.application_id).cpa.change_seq == counter


def test_second_firm_exists_with_its_own_cpas(session: Session) -> None:
    cpas = session.scalars(select(Cpa).where(Cpa.firm_id == firm_id(session, SECOND_FIRM_NUMBER))).all()
    assert len(cpas) == 8
    assert all(c.cert_no.startswith(SECOND_FIRM_NUMBER) and len(c.cert_no) == 12 for c in cpas)
    assert sum(statuses(session, SECOND_FIRM_NUMBER).values()) == 8


def test_cpas_have_fictional_profiles_passwords_and_qr_tokens(session: Session) -> None:
    cpas = session.scalars(select(Cpa)).all()
    assert len({c.qr_token for c in cpas}) == len(cpas)
    assert all(len(c.id_number) == 18 and c.id_number.startswith("5099") for c in cpas)
    accounts = session.scalars(select(Account).where(Account.org_kind == "cpa")).all()
    assert sorted((a.cpa_id, a.login, a.person_name) for a in accounts) == sorted(
        (c.id, c.cert_no, c.name) for c in cpas
    )
    assert len({a.password_hash for a in accounts}) == 1  # hashed once, reused
    assert PasswordHasher().verify(accounts[0].password_hash, CPA_PASSWORD)
    institute = session.scalar(select(Institute))
    assert institute.current_year == CURRENT_YEAR and institute.min_training_hours == 40
    assert institute.notice_start and institute.materials_working and institute.materials_retired


def test_each_organisation_has_its_first_account_run_by_a_fictional_person(session: Session) -> None:
    """The demo logins stay the organisations' numbers; behind each stands a person, named in the trail."""
    admins = {
        (a.org_kind, a.login): (a.person_name, a.org_role, a.disabled)
        for a in session.scalars(select(Account).where(Account.org_kind != "cpa"))
    }
    assert admins == {
        ("institute", DEMO_INSTITUTE_CODE): (DEMO_ADMINS[DEMO_INSTITUTE_CODE], "admin", False),
        ("firm", DEMO_FIRM_NUMBER): ("张丽", "admin", False),
        ("firm", SECOND_FIRM_NUMBER): (DEMO_ADMINS[SECOND_FIRM_NUMBER], "admin", False),
        ("firm", SICHUAN_FIRM_NUMBER): (DEMO_ADMINS[SICHUAN_FIRM_NUMBER], "admin", False),
        ("institute", SICHUAN_INSTITUTE_CODE): (DEMO_ADMINS[SICHUAN_INSTITUTE_CODE], "admin", False),
        **{
            ("institute", login): (person, "reviewer", False)
            for staff in DEMO_INSTITUTE_STAFF.values()
            for login, person in staff
        },
    }
    for account in session.scalars(select(Account).where(Account.org_kind != "cpa")):
        password = INSTITUTE_PASSWORD if account.org_kind == "institute" else FIRM_PASSWORD
        assert PasswordHasher().verify(account.password_hash, password)
    # Every event names the person who acted: the firm's events its 主管理员, a CPA's the CPA.
    persons = session.execute(
        select(Event.actor_role, Event.actor_id, Event.actor_person, Account.person_name, Account.login).join(
            Account, Account.id == Event.actor_account_id
        )
    ).all()
    assert len(persons) == session.scalar(select(func.count()).select_from(Event))
    assert all(
        person == name and (member_no == login or login.startswith(f"{member_no}-"))  # a staff login: 50-02
        for _, member_no, person, name, login in persons
    )
    assert {person for role, member_no, person, *_ in persons if member_no == DEMO_FIRM_NUMBER} == {"张丽"}
    # The institutes' decisions are taken by their named staff in turn, each named in the trail.
    deciders = {(member_no, person) for role, member_no, person, *_ in persons if role == "institute"}
    assert {p for code, p in deciders if code == DEMO_INSTITUTE_CODE} == {"陈静", "王敏", "孙伟"}
    assert {p for code, p in deciders if code == SICHUAN_INSTITUTE_CODE} <= {"周蓉", "何丹"}


def test_two_institutes_each_with_firms_of_their_own(session: Session) -> None:
    found = session.execute(select(Firm.number, Institute.code).join(Institute, Institute.id == Firm.institute_id))
    firms = {number: code for number, code in found}
    assert firms == {DEMO_FIRM_NUMBER: "50", SECOND_FIRM_NUMBER: "50", SICHUAN_FIRM_NUMBER: "51"}
    sichuan_cpas = session.scalars(select(Cpa.cert_no).join(Firm).where(Firm.number == SICHUAN_FIRM_NUMBER)).all()
    assert len(sichuan_cpas) == 8 and all(c.startswith(SICHUAN_FIRM_NUMBER) for c in sichuan_cpas)


def test_attachments_are_real_files_in_the_servers_storage(session: Session, settings: Settings) -> None:
    storage = AttachmentStore(settings.attachments_dir)
    attachments = session.scalars(select(Attachment)).all()
    assert {a.file_type for a in attachments} == {"pdf", "png"}
    for attachment in attachments:
        data = storage.path_of(attachment.sha256).read_bytes()
        assert len(data) == attachment.size and sniff_type(data) == attachment.file_type


def test_seeding_twice_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="演示数据已存在"):
        seed_demo(settings)


@pytest.mark.slow
def test_generate_firm_makes_a_firm_of_5000_cpas(tmp_path: Path) -> None:
    settings = fast_test_settings(tmp_path)
    summary = generate_firm(settings, cpas=5000, now=NOW)
    ((number, count),) = summary.firms.items()
    assert count == 5000
    engine = make_engine(settings)
    with Session(engine) as session:
        firm = firm_id(session, number)
        cert_nos = session.scalars(select(Cpa.cert_no).where(Cpa.firm_id == firm)).all()
        assert len(set(cert_nos)) == 5000 and all(len(c) == 12 and c.startswith(number) for c in cert_nos)
        counts = statuses(session, number)
        assert counts[A.APPROVED.value] > 2500 and len(counts) == 9
        sizes = session.execute(
            select(func.count()).select_from(BatchItem).join(Batch).where(Batch.firm_id == firm).group_by(Batch.id)
        ).scalars()
        assert all(size <= 200 for size in sizes)
    engine.dispose()


def test_generated_firms_get_the_next_free_number_and_the_demo_can_follow(tmp_path: Path) -> None:
    settings = fast_test_settings(tmp_path)
    first = generate_firm(settings, cpas=30, now=NOW)
    second = generate_firm(settings, cpas=30, seed=1, now=NOW)
    assert list(first.firms) == ["50019001"] and list(second.firms) == ["50019002"]
    with pytest.raises(ValueError, match="已存在"):
        generate_firm(settings, cpas=5, number="50019001")
    seed_demo(settings, now=NOW)  # reuses institute 50
    engine = make_engine(settings)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Institute)) == 2  # 50 reused, 51 added
        assert session.scalar(select(func.count()).select_from(Firm)) == 5
    engine.dispose()


def test_seed_demo_fills_an_open_session_that_the_caller_commits() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        summary = seed_demo(session, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), now=NOW)
        session.commit()
        assert summary.firms == {DEMO_FIRM_NUMBER: 60, SECOND_FIRM_NUMBER: 8, SICHUAN_FIRM_NUMBER: 8}
        assert session.scalar(select(func.count()).select_from(Application)) == summary.applications


def test_batches_keep_the_yellow_flags_of_their_seniors_and_movers(session: Session) -> None:
    flags = session.execute(select(BatchFlag.code, BatchFlag.level, Batch.year).join(Batch)).all()
    assert flags and {(code, level) for code, level, _ in flags} <= {("age_70", "yellow"), ("moved", "yellow")}
    assert {code for code, _, year in flags if year == CURRENT_YEAR} == {"age_70", "moved"}
