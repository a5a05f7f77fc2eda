"""Return reasons drafted offline: they survive a killed client, arrive exactly once, and a conflict keeps them."""

# ruff: noqa: F811  (the fixtures imported from offline_fixtures are parameters of the tests)
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from firmdesk.server.config import Settings
from firmdesk.services.api_client import CmisClient
from firmdesk.services.drafts import DraftSender, DraftState, DraftStore, item_conflict
from firmdesk.services.errors import Refused, ServerUnreachable
from firmdesk.services.local_store import LocalStore
from firmdesk.services.models import CpaRow
from firmdesk.services.sync import Synchronizer
from tests.helpers.offline import (  # noqa: F401  (fixtures)
    DEMO_FIRM,
    DEMO_PASSWORD,
    YEAR,
    CountingTransport,
    RestartableServer,
    counting,
    demo_server_settings,
    firm_client,
    offline_folder,
    restartable_server,
)
from tests.helpers.server import api_login

ROOT = Path(__file__).resolve().parents[2]

# A client that writes drafts as a user types, and is killed (SIGKILL) in the middle of a write.
CLIENT_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from firmdesk.services.drafts import DraftStore
    from firmdesk.services.local_store import LocalStore

    folder = Path(sys.argv[1])
    store = LocalStore.open(folder)
    rows = [r for r in store.snapshot(2025).cpas if r.status == "pending_firm"]
    drafts = DraftStore.open(folder)
    one = drafts.create(2025, rows[:1], send_on_reconnect=True)
    for text in ("学", "学时", "学时不足", "学时不足，请补充继续教育证明"):
        drafts.save_reason(one.uuid, text)  # the editor's autosave, keystroke by keystroke
    many = drafts.create(2025, rows[1:4], "附件模糊，请重新上传")
    print(one.uuid, many.uuid, flush=True)
    with drafts._db.transaction() as conn:  # killed before this write commits
        conn.execute("UPDATE drafts SET reason = 'half-written' WHERE uuid = ?", (many.uuid,))
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _firm_returns_of(base_url: str, application_ids: list[int]) -> dict[int, int]:
    """How many 事务所退回 events the server recorded for each application."""
    api = api_login(base_url, "firm", DEMO_FIRM, DEMO_PASSWORD)
    try:
        trails = {i: api.get(f"/firm/applications/{i}/trail").json() for i in application_ids}
    finally:
        api.close()
    return {i: sum(1 for e in trail if e["action"] == "firm_return") for i, trail in trails.items()}


def _synced(client: CmisClient, folder: Path) -> tuple[LocalStore, Synchronizer]:
    store = LocalStore.open(folder)
    sync = Synchronizer(client, store)
    sync.sync(YEAR)
    return store, sync


def _pending(store: LocalStore) -> list[CpaRow]:
    return [r for r in store.snapshot(YEAR).cpas if r.status == "pending_firm"]


def test_drafts_written_offline_survive_a_killed_client_and_arrive_exactly_once(
    restartable_server: RestartableServer, firm_client: CmisClient, offline_folder: Path
) -> None:
    store, _ = _synced(firm_client, offline_folder)
    pending_ids = [r.application_id for r in _pending(store) if r.application_id is not None]
    returns_before = _firm_returns_of(restartable_server.base_url, pending_ids)
    restartable_server.stop()
    assert len(_pending(store)) >= 4  # browsing goes on from the cache while the server is away
    store.close()

    killed = subprocess.run(
        [sys.executable, "-c", CLIENT_SCRIPT, str(offline_folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    one_uuid, many_uuid = killed.stdout.split()

    # The client starts again, still offline: the drafts are there, the half-written change is not.
    drafts = DraftStore.open(offline_folder)
    one, many = drafts.require(one_uuid), drafts.require(many_uuid)
    assert one.reason == "学时不足，请补充继续教育证明" and one.send_on_reconnect
    assert many.reason == "附件模糊，请重新上传" and len(many.items) == 3
    assert [d.uuid for d in drafts.waiting_to_send()] == [one_uuid]
    store = LocalStore.open(offline_folder)
    sender = DraftSender(firm_client, drafts, Synchronizer(firm_client, store))
    with pytest.raises(ServerUnreachable):
        sender.send(many_uuid)
    assert drafts.require(many_uuid).state is DraftState.DRAFT  # nothing was sent: nothing changed

    restartable_server.start()  # the same database, the same address
    report = sender.send_many([d.uuid for d in drafts.waiting_to_send()] + [many_uuid])
    assert report.error is None and not report.conflicts
    assert {d.uuid for d in report.sent} == {one_uuid, many_uuid}
    # Sending again (e.g. a double click, or a retry) sends nothing more.
    assert sender.send(one_uuid).state is DraftState.SENT

    returns_after = _firm_returns_of(restartable_server.base_url, pending_ids)
    drafted = {i.application_id for i in one.items + many.items}
    assert {i: returns_after[i] - returns_before[i] for i in pending_ids} == {
        i: 1 if i in drafted else 0 for i in pending_ids
    }
    for item in many.items:  # the cache was synced after sending: the tabs show the new state at once
        row = store.row_of_application(item.application_id)
        assert row is not None and row.status == "firm_returned" and row.reason == "附件模糊，请重新上传"
    store.close()
    drafts.close()


def test_a_send_whose_answer_was_lost_is_completed_by_the_same_key_not_repeated(
    restartable_server: RestartableServer, firm_client: CmisClient, offline_folder: Path
) -> None:
    store, sync = _synced(firm_client, offline_folder)
    drafts = DraftStore.open(offline_folder)
    draft = drafts.create(YEAR, _pending(store)[:2], "请补充社保证明")
    ids = [i.application_id for i in draft.items]
    before = _firm_returns_of(restartable_server.base_url, ids)
    # The first attempt reached the server, but the answer never came back.
    drafts.set_state(draft.uuid, DraftState.SENDING)
    firm_client.return_applications([(i.application_id, i.version) for i in draft.items], draft.reason, draft.uuid)
    assert [d.uuid for d in drafts.waiting_to_send()] == [draft.uuid]  # resent on reconnect, marked or not

    sent = DraftSender(firm_client, drafts, sync).send(draft.uuid)

    assert sent.state is DraftState.SENT and sent.conflict_message is None
    after = _firm_returns_of(restartable_server.base_url, ids)
    assert {i: after[i] - before[i] for i in ids} == {i: 1 for i in ids}
    store.close()


def test_an_application_that_changed_on_the_server_makes_a_conflict_and_the_draft_is_kept(
    restartable_server: RestartableServer, firm_client: CmisClient, offline_folder: Path
) -> None:
    store, sync = _synced(firm_client, offline_folder)
    drafts = DraftStore.open(offline_folder)
    a, b, c = _pending(store)[:3]
    draft = drafts.create(YEAR, [a, b], "退回原因写于离线时", send_on_reconnect=True)
    other = drafts.create(YEAR, [c], "另一份草稿")
    # Meanwhile another administrator returned `a` (status changes, version moves).
    assert a.application_id is not None
    firm_client.return_applications([(a.application_id, a.version)], "已由同事退回")

    report = DraftSender(firm_client, drafts, sync).send_many([draft.uuid, other.uuid])

    assert [d.uuid for d in report.sent] == [other.uuid]
    [conflict] = report.conflicts
    assert conflict.uuid == draft.uuid and conflict.state is DraftState.CONFLICT
    assert conflict.reason == "退回原因写于离线时" and len(conflict.items) == 2
    assert "事务所退回" in (conflict.conflict_message or "") and a.name in (conflict.conflict_message or "")
    assert [i.conflict is not None for i in conflict.items] == [True, False]
    assert b.application_id is not None
    assert store.row_of_application(b.application_id).status == "pending_firm"  # nothing applied to `b` either
    assert drafts.waiting_to_send() == []  # a conflict is never sent by itself

    # The user keeps the applications still pending and sends again.
    rebased = drafts.rebase(draft.uuid, store.snapshot(YEAR).cpas)
    assert [i.application_id for i in rebased.items] == [b.application_id]
    assert DraftSender(firm_client, drafts, sync).send(draft.uuid).state is DraftState.SENT
    returned = store.row_of_application(b.application_id)
    assert returned is not None and returned.status == "firm_returned" and returned.reason == "退回原因写于离线时"
    store.close()


class _RaceTransport(CountingTransport):
    """Lets another administrator return the application just before our POST /firm/returns goes out."""

    def __init__(self, before_post: list) -> None:
        super().__init__()
        self.before_post = before_post

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/firm/returns") and self.before_post:
            self.before_post.pop()()
        return super().handle_request(request)


def test_a_409_from_the_server_after_the_check_makes_a_conflict_too(
    restartable_server: RestartableServer, offline_folder: Path, demo_server_settings: Settings
) -> None:
    hooks: list = []
    client = CmisClient(restartable_server.base_url, transport=_RaceTransport(hooks))
    client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
    store, sync = _synced(client, offline_folder)
    drafts = DraftStore.open(offline_folder)
    row = _pending(store)[0]
    draft = drafts.create(YEAR, [row], "原因")

    def colleague_returns_it() -> None:
        api = api_login(restartable_server.base_url, "firm", DEMO_FIRM, DEMO_PASSWORD)
        api.post("/firm/returns", json={"items": [{"application_id": row.application_id}], "reason": "同事"})
        api.close()

    hooks.append(colleague_returns_it)
    result = DraftSender(client, drafts, sync).send(draft.uuid)

    assert result.state is DraftState.CONFLICT and result.reason == "原因"
    assert result.items[0].conflict is not None
    client.close()
    store.close()


def test_a_draft_without_a_reason_is_not_sent(firm_client: CmisClient, offline_folder: Path) -> None:
    store, sync = _synced(firm_client, offline_folder)
    drafts = DraftStore.open(offline_folder)
    draft = drafts.create(YEAR, _pending(store)[:1])
    with pytest.raises(Refused) as refused:
        DraftSender(firm_client, drafts, sync).send(draft.uuid)
    assert refused.value.message == "请填写退回原因"
    assert drafts.require(draft.uuid).state is DraftState.DRAFT
    store.close()


def test_item_conflict_names_the_new_state_or_the_new_version(firm_client: CmisClient) -> None:
    from firmdesk.services.drafts import DraftItem

    row = next(r for r in firm_client.cpas(YEAR).items if r.status == "pending_firm")
    item = DraftItem.of(row)
    assert item_conflict(item, row) is None
    from dataclasses import replace

    from firmdesk.domain.availability import application_actions

    moved = replace(
        row,
        status="submitted",
        status_label="已提交省注协",
        batch_number="50010028-2025-9",
        actions=application_actions("submitted"),
    )
    expected = f"{row.name}（{row.cert_no}）：状态已变为“已提交省注协”（批次 50010028-2025-9）"
    assert item_conflict(item, moved) == expected
    assert "重新提交" in (item_conflict(item, replace(row, version=(row.version or 0) + 1)) or "")
