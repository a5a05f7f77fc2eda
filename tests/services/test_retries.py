"""Exactly-once under network faults: the real client through a faulty TCP proxy to the real server.

Each change (退回, 申请, 撤回, 再次申请) whose answer is lost, reset or stalled is repeated by the client under
the same Idempotency-Key; the server acts once and replays its answer, which the client reports as the
success it was. A key outlives a restart (`PendingActions`) and is never reused for a changed request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import Action
from firmdesk.services.api_client import CmisClient, RepeatKey, new_idempotency_key
from firmdesk.services.errors import Refused, ServerUnreachable
from firmdesk.services.intentions import PendingActions, files_fingerprint
from tests.helpers.dialog_world import FIRM_NUMBER, YEAR, World, make_world
from tests.helpers.faults import Fault, FaultyProxy, faulty_proxy
from tests.helpers.files import write_pdf
from tests.helpers.server import FIRM_PASSWORD

REASON = "执业情况说明未盖章，请补充"


@pytest.fixture
def world(server_builder: Any, live_server: Any) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=4)
    yield w
    w.close()


@pytest.fixture
def proxy(world: World, live_server: Any) -> Iterator[FaultyProxy]:
    with faulty_proxy(live_server.port) as proxy:
        yield proxy


@pytest.fixture
def flaky(proxy: FaultyProxy) -> Iterator[CmisClient]:
    """The firm's client, through the proxy: two repeats, short waits."""
    client = CmisClient(proxy.base_url, retries=2, backoff=0.05, timeout=3)
    client.login("firm", FIRM_NUMBER, FIRM_PASSWORD)
    yield client
    client.close()


def _events(world: World, application_id: int, action: Action) -> int:
    return sum(1 for e in world.client.trail(application_id) if e.action == action.value)


@pytest.mark.parametrize("fault", [Fault.DROP_AFTER_FORWARD, Fault.RESET, Fault.STALL])
def test_a_withdraw_whose_answer_is_lost_is_repeated_under_its_key_and_done_once(
    world: World, proxy: FaultyProxy, flaky: CmisClient, tmp_path: Path, fault: Fault
) -> None:
    batch = world.submit(world.applications[:2], tmp_path).batch
    if fault is Fault.STALL:
        flaky = CmisClient(proxy.base_url, token=flaky.token, retries=2, backoff=0.05, timeout=1)
    proxy.add(fault, "POST", "/withdraw")

    withdrawn = flaky.withdraw(batch.id, batch.version, new_idempotency_key())

    assert withdrawn.batch.state == "withdrawn"  # the replayed success is a success, not 409 已撤回
    assert proxy.requests("POST", "/withdraw") == [fault, Fault.PASS]
    detail = world.client.batch(batch.id)
    assert [e.action for e in detail.events].count(Action.WITHDRAW_BATCH.value) == 1


def test_a_submit_and_a_return_whose_answers_are_dropped_are_made_once(
    world: World, proxy: FaultyProxy, flaky: CmisClient, tmp_path: Path
) -> None:
    proof = write_pdf(tmp_path / "社保证明.pdf", 200_000)
    first, second = world.applications[:2]
    proxy.add(Fault.DROP_AFTER_FORWARD, "POST", "/firm/batches")
    batch = flaky.submit_batch(YEAR, [first.id], [(SOCIAL_SECURITY_MATERIAL, proof)], new_idempotency_key())
    assert proxy.requests("POST", "/firm/batches") == [Fault.DROP_AFTER_FORWARD, Fault.PASS]
    assert _events(world, first.id, Action.SUBMIT_BATCH) == 1
    assert [b.id for b in world.client.batches(YEAR).items] == [batch.batch.id]

    proxy.add(Fault.DROP_AFTER_FORWARD, "POST", "/firm/returns", times=2)
    returned = flaky.return_applications([(second.id, None)], REASON, new_idempotency_key())
    assert [r.application_id for r in returned] == [second.id]
    assert proxy.requests("POST", "/firm/returns") == [Fault.DROP_AFTER_FORWARD] * 2 + [Fault.PASS]
    assert _events(world, second.id, Action.FIRM_RETURN) == 1


def test_a_change_whose_answer_stays_lost_says_the_connection_broke_and_its_repeat_is_done_once(
    world: World, proxy: FaultyProxy, flaky: CmisClient, tmp_path: Path
) -> None:
    batch = world.submit(world.applications[:2], tmp_path).batch
    repeat = RepeatKey()
    proxy.fail_all(Fault.DROP_AFTER_FORWARD)
    key = repeat.for_request(batch.version)
    with pytest.raises(ServerUnreachable) as lost:
        flaky.withdraw(batch.id, batch.version, key)
    assert "连接中断" in lost.value.message
    repeat.outcome(lost.value)
    assert len(proxy.requests("POST", "/withdraw")) == 3  # the first try and two repeats, all lost

    proxy.heal()  # the user presses 撤回 again in the same dialog: the same request, the same key
    withdrawn = flaky.withdraw(batch.id, batch.version, repeat.for_request(batch.version))
    assert withdrawn.batch.state == "withdrawn"
    events = [e.action for e in world.client.batch(batch.id).events]
    assert events.count(Action.WITHDRAW_BATCH.value) == 1


def test_a_pending_key_outlives_a_restart_and_the_server_replays_the_batch_it_made(
    world: World, proxy: FaultyProxy, flaky: CmisClient, tmp_path: Path
) -> None:
    proof = write_pdf(tmp_path / "社保证明.pdf", 50_000)
    ids, files = [world.applications[0].id], [(SOCIAL_SECURITY_MATERIAL, proof)]
    request, target = (tuple(ids), files_fingerprint(files)), f"year:{YEAR}:{ids[0]}"
    folder = tmp_path / "firm"
    folder.mkdir()
    pending = PendingActions.open(folder)
    key = RepeatKey(pending, "submit").for_request(request, target)
    proxy.fail_all(Fault.DROP_AFTER_FORWARD)
    with pytest.raises(ServerUnreachable):
        flaky.submit_batch(YEAR, ids, files, key)
    pending.close()  # the program is killed; it starts again and the user submits the same again

    pending = PendingActions.open(folder)
    try:
        repeat = RepeatKey(pending, "submit")
        assert repeat.for_request(request, target) == key
        proxy.heal()
        made = flaky.submit_batch(YEAR, ids, files, repeat.key)
        repeat.outcome(None)
        assert pending.all() == []
    finally:
        pending.close()
    assert [b.id for b in world.client.batches(YEAR).items] == [made.batch.id]
    assert _events(world, ids[0], Action.SUBMIT_BATCH) == 1


def test_a_file_changed_on_disk_makes_a_new_key_never_one_the_server_refuses_as_reused(
    world: World, proxy: FaultyProxy, flaky: CmisClient, tmp_path: Path
) -> None:
    proof = write_pdf(tmp_path / "社保证明.pdf", 50_000)
    ids, files = [world.applications[0].id], [(SOCIAL_SECURITY_MATERIAL, proof)]
    repeat = RepeatKey(PendingActions.in_memory(), "submit")
    first_key = repeat.for_request((tuple(ids), files_fingerprint(files)), "t")
    proxy.fail_all(Fault.RESET)
    with pytest.raises(ServerUnreachable):
        flaky.submit_batch(YEAR, ids, files, first_key)
    repeat.outcome(ServerUnreachable(flaky.base_url))

    write_pdf(proof, 60_000)  # the user fixed the file and tries again: another request
    second_key = repeat.for_request((tuple(ids), files_fingerprint(files)), "t")
    assert second_key != first_key
    proxy.heal()
    made = flaky.submit_batch(YEAR, ids, files, second_key)
    assert made.batch.cpa_count == 1


def test_a_refusal_settles_the_intention_so_the_next_attempt_has_a_new_key(tmp_path: Path) -> None:
    pending = PendingActions.open(tmp_path)
    try:
        repeat = RepeatKey(pending, "withdraw")
        key = repeat.for_request(3, "batch:7")
        assert repeat.for_request(3, "batch:7") == key
        assert [(p.action, p.target, p.key) for p in pending.all()] == [("withdraw", "batch:7", key)]
        repeat.outcome(Refused("不能撤回", 409, "transition_refused"))
        assert pending.all() == []
        assert repeat.for_request(3, "batch:7") != key
    finally:
        pending.close()


def test_intentions_older_than_a_month_are_forgotten_when_the_file_opens(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from firmdesk.services.intentions import KEEP_FOR

    pending = PendingActions.open(tmp_path)
    try:
        RepeatKey(pending, "withdraw").for_request(3, "batch:7")
        [kept] = pending.all()
        assert pending.prune(kept.created_at) == 0
        assert pending.prune(datetime.now(UTC) + timedelta(seconds=1)) == 1
        assert timedelta(days=30) == KEEP_FOR
    finally:
        pending.close()
