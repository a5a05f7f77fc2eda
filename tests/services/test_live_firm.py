"""The firm's listings through `CmisClient` match the real server's database (demo data, read only)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from firmdesk.domain.readiness import FlagLevel
from firmdesk.domain.states import NOT_APPLIED, ApplicationState, FirmTab
from firmdesk.domain.tabs import NOT_APPLIED_TAB_STATES
from firmdesk.server.config import fast_test_settings
from firmdesk.server.db.models import Application, Batch, Cpa, Firm
from firmdesk.server.db.session import make_engine, make_session_factory
from firmdesk.server.demo import seed_demo
from firmdesk.server.runner import ServerThread
from firmdesk.services.api_client import CmisClient
from firmdesk.services.errors import Refused
from firmdesk.services.models import CpaRow
from tests.helpers.tabs import tab_batch_states

FIRM, SECOND_FIRM, PASSWORD = "50010028", "50010031", "demo1234"
SUBMITTED_TAB = tab_batch_states(FirmTab.SUBMITTED)


@dataclass
class Demo:
    server: ServerThread
    client: CmisClient
    year: int

    def db_counts(self, firm_number: str = FIRM) -> Counter[str]:
        """Application states of the firm's CPAs for the year, read from the database (`none`: no application)."""
        engine = make_engine(self.server.settings)
        try:
            with make_session_factory(engine, write=False)() as session:
                firm_id = session.scalar(select(Firm.id).where(Firm.number == firm_number))
                cpas = session.scalar(select(func.count()).select_from(Cpa).where(Cpa.firm_id == firm_id)) or 0
                rows = session.execute(
                    select(Application.state, func.count())
                    .where(Application.firm_id == firm_id, Application.year == self.year)
                    .group_by(Application.state)
                ).all()
        finally:
            engine.dispose()
        counts = Counter({state: n for state, n in rows})
        counts[NOT_APPLIED] = cpas - sum(counts.values())
        return counts

    def db_batch_states(self) -> Counter[str]:
        engine = make_engine(self.server.settings)
        try:
            with make_session_factory(engine, write=False)() as session:
                firm_id = session.scalar(select(Firm.id).where(Firm.number == FIRM))
                rows = session.execute(
                    select(Batch.state, func.count())
                    .where(Batch.firm_id == firm_id, Batch.year == self.year)
                    .group_by(Batch.state)
                ).all()
        finally:
            engine.dispose()
        return Counter({state: n for state, n in rows})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    settings = fast_test_settings(tmp_path_factory.mktemp("cmis-demo"))
    with ServerThread(settings) as server:
        seed_demo(settings)
        client = CmisClient(server.base_url)
        client.login("firm", FIRM, PASSWORD)
        try:
            yield Demo(server, client, client.firm().current_year)
        finally:
            client.close()


def _statuses(rows: tuple[CpaRow, ...]) -> Counter[str]:
    return Counter(r.status for r in rows)


def test_pending_review_tab_lists_exactly_the_applications_waiting_for_the_firm(demo: Demo) -> None:
    page = demo.client.cpas(demo.year, tab="pending_review")
    assert _statuses(page.items) == Counter({"pending_firm": demo.db_counts()["pending_firm"]})
    assert page.total == len(page.items) > 0
    assert all(r.application_id is not None and r.status_label == "待事务所审核" for r in page.items)


def test_not_applied_tab_lists_the_cpas_without_an_application_under_review(demo: Demo) -> None:
    page = demo.client.cpas(demo.year, tab="not_applied")
    db = demo.db_counts()
    wanted = {NOT_APPLIED, *NOT_APPLIED_TAB_STATES}
    assert _statuses(page.items) == Counter({s: n for s, n in db.items() if s in wanted and n})
    assert {r.status_label for r in page.items if r.status == NOT_APPLIED} == {"未申请"}
    returned = [r for r in page.items if r.status in ("firm_returned", "institute_returned")]
    assert returned and all(r.reason for r in returned)


def test_query_tab_lists_every_cpa_and_agrees_with_the_summary(demo: Demo) -> None:
    page = demo.client.cpas(demo.year, tab="query")
    summary = demo.client.summary(demo.year)
    db = demo.db_counts()
    assert _statuses(page.items) == +db
    assert summary.total == page.total == sum(db.values())
    assert dict(summary.by_status) == {s: n for s, n in db.items() if n}
    assert summary.pending == db["pending_firm"] and summary.approved == db["approved"]
    assert summary.not_applied == sum(db[s] for s in (NOT_APPLIED, *NOT_APPLIED_TAB_STATES))


def test_status_filter_search_and_paging(demo: Demo) -> None:
    approved = demo.client.cpas(demo.year, status="approved")
    assert approved.total == demo.db_counts()["approved"] and _statuses(approved.items).keys() == {"approved"}
    someone = approved.items[0]
    found = demo.client.cpas(demo.year, q=someone.cert_no)
    assert [r.cpa_id for r in found.items] == [someone.cpa_id]
    page2 = demo.client.cpas(demo.year, page=2, page_size=10, sort="-name")
    assert (page2.page, page2.page_size, len(page2.items), page2.total) == (2, 10, 10, 60)


def test_batch_tabs_match_the_batches_in_the_database(demo: Demo) -> None:
    db = demo.db_batch_states()
    submitted = demo.client.batches(demo.year, SUBMITTED_TAB)
    returned = demo.client.batches(demo.year, ["returned"])
    assert Counter(b.state for b in submitted.items) == Counter({s: n for s, n in db.items() if s in SUBMITTED_TAB})
    assert Counter(b.state for b in returned.items) == Counter({"returned": db["returned"]})
    assert all(b.return_reason for b in returned.items)
    assert [b.can_withdraw for b in submitted.items] == [b.state == "submitted" for b in submitted.items]
    assert all(b.number.startswith(f"{FIRM}-{demo.year}-") for b in submitted.items)


def test_a_batch_detail_has_its_cpas_materials_and_events(demo: Demo) -> None:
    row = demo.client.batches(demo.year, ["submitted"]).items[0]
    detail = demo.client.batch(row.id)
    assert detail.batch == row
    assert len(detail.applications) == row.cpa_count
    assert all(a.status == "submitted" and a.batch_number == row.number for a in detail.applications)
    assert "社保证明材料" in {a.material for a in detail.attachments}
    assert detail.events and detail.events[0].action == "submit_batch"
    # One of the demo firm's administrators (主管理员 张丽, 审核员 王磊 and 孙悦), acting for the firm.
    assert detail.events[0].actor_person in {"张丽", "王磊", "孙悦"}
    content = demo.client.attachment_content(detail.attachments[0].id)
    assert hashlib.sha256(content).hexdigest() == detail.attachments[0].sha256


def test_an_application_detail_trail_and_readiness(demo: Demo) -> None:
    rows = demo.client.cpas(demo.year, tab="pending_review").items
    detail = demo.client.application(rows[0].application_id or 0)
    assert detail.row.cpa_id == rows[0].cpa_id and detail.profile.name == rows[0].name
    assert detail.attachments
    trail = demo.client.trail(rows[0].application_id or 0)
    assert [e.at for e in trail] == sorted(e.at for e in trail)
    assert trail[-1].to_state == ApplicationState.PENDING_FIRM
    assert (trail[-1].actor_name, trail[-1].actor_person) == (rows[0].name, rows[0].name)  # the CPA acted
    flags = demo.client.readiness([r.application_id or 0 for r in rows])
    assert set(flags) == {r.application_id for r in rows}
    assert any(f.level is FlagLevel.RED for fs in flags.values() for f in fs)  # the demo's low training hours


def test_another_firms_records_are_not_found(demo: Demo) -> None:
    with CmisClient(demo.server.base_url) as other:
        other.login("firm", SECOND_FIRM, PASSWORD)
        theirs = other.cpas(demo.year, status="pending_firm").items or other.cpas(demo.year, status="submitted").items
        app_id = next(r.application_id for r in theirs if r.application_id)
    with pytest.raises(Refused) as e:
        demo.client.application(app_id)
    assert (e.value.status, e.value.code) == (404, "not_found")
    assert all(r.cpa_id not in {t.cpa_id for t in theirs} for r in demo.client.cpas(demo.year).items)


def test_a_full_change_feed_has_every_row_and_nothing_follows_it(demo: Demo) -> None:
    full = demo.client.changes(demo.year, since=0)
    assert full.full
    assert {r.cpa_id for r in full.cpas} == {r.cpa_id for r in demo.client.cpas(demo.year).items}
    assert len(full.batches) == sum(demo.db_batch_states().values())
    again = demo.client.changes(demo.year, since=full.cursor)
    assert (again.cursor, again.full, again.cpas, again.batches) == (full.cursor, False, (), ())
