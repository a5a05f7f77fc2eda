"""Changes through `CmisClient` against the real server: submit, withdraw, return, resubmit, the change feed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import FirmTab
from firmdesk.server.demo import seed_demo
from firmdesk.server.runner import ServerThread
from firmdesk.services.api_client import CmisClient, new_idempotency_key
from firmdesk.services.errors import AttachmentRejected, Refused
from firmdesk.services.models import CpaRow
from firmdesk.services.progress import TaskState
from tests.helpers.files import write_pdf, write_png
from tests.helpers.tabs import tab_batch_states

FIRM, PASSWORD = "50010028", "demo1234"
SOCIAL = SOCIAL_SECURITY_MATERIAL


@pytest.fixture
def client(live_server: ServerThread) -> Iterator[CmisClient]:
    seed_demo(live_server.settings)
    with CmisClient(live_server.base_url) as client:
        client.login("firm", FIRM, PASSWORD)
        yield client


def _year(client: CmisClient) -> int:
    return client.firm().current_year


def _pending(client: CmisClient, year: int) -> tuple[CpaRow, ...]:
    return client.cpas(year, tab="pending_review").items


def test_submit_then_withdraw_round_trip(client: CmisClient, tmp_path: Path) -> None:
    year = _year(client)
    chosen = _pending(client, year)[:3]
    ids = [r.application_id or 0 for r in chosen]
    proof = write_pdf(tmp_path / "社保缴纳证明.pdf", 300_000)
    seen: list[tuple[int, int]] = []

    detail = client.submit_batch(
        year, ids, [(SOCIAL, proof), ("其他材料", write_png(tmp_path / "说明.png"))],
        state=TaskState(lambda sent, total: seen.append((sent, total))),
    )  # fmt: skip
    batch = detail.batch
    assert batch.state == "submitted" and batch.state_label == "待审核" and batch.can_withdraw
    assert batch.number.startswith(f"{FIRM}-{year}-") and batch.cpa_count == 3
    assert {a.application_id for a in detail.applications} == set(ids)
    assert {a.status for a in detail.applications} == {"submitted"}
    assert seen[-1][0] == seen[-1][1] > 300_000

    stored = client.batch(batch.id)
    by_material = {a.material: a for a in stored.attachments}
    assert by_material[SOCIAL].original_name == "社保缴纳证明.pdf"
    assert by_material[SOCIAL].sha256 == hashlib.sha256(proof.read_bytes()).hexdigest()
    assert by_material["其他材料"].file_type == "png"
    assert batch.id in {b.id for b in client.batches(year, tab_batch_states(FirmTab.SUBMITTED)).items}
    assert not set(ids) & {r.application_id for r in _pending(client, year)}

    withdrawn = client.withdraw(batch.id, version=batch.version)
    assert withdrawn.batch.state == "withdrawn" and not withdrawn.batch.can_withdraw
    assert {a.status for a in withdrawn.applications} == {"pending_firm"}
    assert set(ids) <= {r.application_id for r in _pending(client, year)}
    with pytest.raises(Refused) as e:
        client.withdraw(batch.id)
    assert e.value.status == 409 and e.value.message


def test_a_repeated_submit_with_the_same_key_makes_one_batch(client: CmisClient, tmp_path: Path) -> None:
    year = _year(client)
    ids = [r.application_id or 0 for r in _pending(client, year)[:2]]
    files = [(SOCIAL, write_pdf(tmp_path / "社保.pdf"))]
    key = new_idempotency_key()
    before = client.batches(year).total
    first = client.submit_batch(year, ids, files, key)
    again = client.submit_batch(year, ids, files, key)
    assert again.batch.id == first.batch.id
    assert client.batches(year).total == before + 1


def test_the_server_refuses_a_batch_of_applications_not_pending(client: CmisClient, tmp_path: Path) -> None:
    year = _year(client)
    approved = client.cpas(year, status="approved").items[0]
    with pytest.raises(Refused) as e:
        client.submit_batch(year, [approved.application_id or 0], [(SOCIAL, write_pdf(tmp_path / "社保.pdf"))])
    assert e.value.status == 409 and e.value.code == "transition_refused"


def test_withdraw_is_refused_once_the_institute_started(client: CmisClient) -> None:
    reviewing = client.batches(_year(client), ["reviewing"]).items[0]
    with pytest.raises(Refused) as e:
        client.withdraw(reviewing.id)
    assert e.value.status == 409 and "撤回" in e.value.message


def test_return_and_the_change_feed_delta(client: CmisClient) -> None:
    year = _year(client)
    full = client.changes(year, since=0)
    target = _pending(client, year)[0]

    with pytest.raises(Refused, match="退回原因"):
        client.return_applications([(target.application_id or 0, target.version)], "  ")
    returned = client.return_applications([(target.application_id or 0, target.version)], "社保证明与本所不符")
    assert [(r.cpa_id, r.status, r.reason) for r in returned] == [
        (target.cpa_id, "firm_returned", "社保证明与本所不符")
    ]

    delta = client.changes(year, since=full.cursor)
    assert not delta.full and delta.cursor > full.cursor
    assert [(r.cpa_id, r.status) for r in delta.cpas] == [(target.cpa_id, "firm_returned")]
    assert delta.batches == ()
    assert client.changes(year, since=delta.cursor).cpas == ()

    with pytest.raises(Refused) as e:  # a stale version: someone changed it first
        client.return_applications([(target.application_id or 0, target.version)], "再次退回")
    assert e.value.status == 409


def test_resubmit_a_returned_batch_with_changed_materials(client: CmisClient, tmp_path: Path) -> None:
    year = _year(client)
    returned = client.batches(year, ["returned"]).items[0]
    before = client.batch(returned.id)
    others = [a.id for a in before.attachments if a.material != SOCIAL]

    with pytest.raises(AttachmentRejected, match=SOCIAL):  # the kept ones lack it: refused before uploading
        client.resubmit(returned.id, others, [("其他材料", write_pdf(tmp_path / "补充.pdf"))])

    detail = client.resubmit(returned.id, others, [(SOCIAL, write_pdf(tmp_path / "新社保证明.pdf"))])
    assert detail.batch.id == returned.id and detail.batch.state == "submitted"
    after = client.batch(returned.id)
    names = {a.original_name for a in after.attachments}
    assert "新社保证明.pdf" in names
    assert {a.id for a in after.attachments} >= set(others)
    assert returned.id not in {b.id for b in client.batches(year, ["returned"]).items}


class FirstConnectFails(httpx.HTTPTransport):
    """The real transport, except that the first POST cannot connect (as on a flaky line)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/firm/batches"):
            self.keys.append(request.headers.get("Idempotency-Key"))
            if len(self.keys) == 1:
                raise httpx.ConnectError("connection refused", request=request)
        return super().handle_request(request)


def test_a_submit_retried_after_a_failed_connection_keeps_its_key_and_body(
    live_server: ServerThread, tmp_path: Path
) -> None:
    seed_demo(live_server.settings)
    transport = FirstConnectFails()
    with CmisClient(live_server.base_url, transport=transport, backoff=0.01) as client:
        client.login("firm", FIRM, PASSWORD)
        year = _year(client)
        ids = [r.application_id or 0 for r in _pending(client, year)[:2]]
        before = client.batches(year).total
        proof = write_pdf(tmp_path / "社保.pdf", 200_000)
        detail = client.submit_batch(year, ids, [(SOCIAL, proof)])
        assert len(transport.keys) == 2 and transport.keys[0] == transport.keys[1] is not None
        assert client.batches(year).total == before + 1
        stored = client.batch(detail.batch.id).attachments[0]
        assert stored.size == proof.stat().st_size
