"""Face-verification sessions: the link expires, a newer session replaces an older one, the status says why."""

from __future__ import annotations

import functools
from datetime import timedelta

import httpx
import pytest

from firmdesk.domain.face_verification import EXPIRED_MESSAGE, FACE_SESSION_VALID_FOR, FINISHED_MESSAGE
from firmdesk.server.db.models import FaceSession
from tests.helpers.races import race
from tests.helpers.server_world import World


def _start(me: httpx.Client, application_id: int) -> dict[str, object]:
    answer = me.post(f"/cpa/applications/{application_id}/face-sessions")
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _backdate(world: World, session_id: object, by: timedelta) -> None:
    with world.builder.sessions() as session:
        face = session.get_one(FaceSession, session_id)
        face.created_at -= by
        session.commit()


def test_a_pending_session_reads_pending_with_its_labels(world: World) -> None:
    application = world.builder.application(world.cpas[0], "draft")
    me = world.cpa_client(world.cpas[0])
    started = _start(me, application.id)
    status = me.get(f"/cpa/face-sessions/{started['session_id']}").json()
    assert (status["status"], status["status_label"]) == ("pending", "待认证")
    assert (status["application_id"], status["application_status"], status["notice"]) == (application.id, "draft", None)


def test_a_link_older_than_its_lifetime_has_expired_and_takes_no_result(world: World) -> None:
    application = world.builder.application(world.cpas[0], "draft")
    me = world.cpa_client(world.cpas[0])
    started = _start(me, application.id)
    _backdate(world, started["session_id"], FACE_SESSION_VALID_FOR)
    status = me.get(f"/cpa/face-sessions/{started['session_id']}").json()
    assert (status["status"], status["status_label"]) == ("expired", "已过期")
    late = world.anonymous().post(f"/face/{started['token']}/result", json={"passed": True})
    assert (late.status_code, late.json()["detail"]) == (409, EXPIRED_MESSAGE)
    assert me.get(f"/cpa/applications/{application.id}").json()["status"] == "draft"


def test_a_new_session_expires_the_older_pending_one(world: World) -> None:
    application = world.builder.application(world.cpas[0], "draft")
    me = world.cpa_client(world.cpas[0])
    first, second = _start(me, application.id), _start(me, application.id)
    assert me.get(f"/cpa/face-sessions/{first['session_id']}").json()["status"] == "expired"
    assert world.anonymous().post(f"/face/{first['token']}/result", json={"passed": True}).status_code == 409
    passed = world.anonymous().post(f"/face/{second['token']}/result", json={"passed": True}).json()
    assert passed["application_status"] == "pending_firm"


@pytest.mark.parametrize("passed", [True, False])
def test_a_finished_session_takes_no_second_result(world: World, passed: bool) -> None:
    application = world.builder.application(world.cpas[0], "draft")
    me = world.cpa_client(world.cpas[0])
    started = _start(me, application.id)
    world.anonymous().post(f"/face/{started['token']}/result", json={"passed": passed}).raise_for_status()
    again = world.anonymous().post(f"/face/{started['token']}/result", json={"passed": not passed})
    assert (again.status_code, again.json()["detail"]) == (409, FINISHED_MESSAGE)


def test_a_pass_shows_the_institutes_success_notice_in_the_status(world: World) -> None:
    application = world.builder.application(world.cpas[0], "draft")
    me = world.cpa_client(world.cpas[0])
    started = _start(me, application.id)
    world.anonymous().post(f"/face/{started['token']}/result", json={"passed": True}).raise_for_status()
    status = me.get(f"/cpa/face-sessions/{started['session_id']}").json()
    assert (status["status"], status["status_label"], status["application_status"]) == (
        "passed",
        "认证通过",
        "pending_firm",
    )
    assert status["notice"] == "年检申请已提交事务所审核。"


def test_concurrent_results_of_one_session_one_wins(world: World) -> None:
    application = world.builder.application(world.cpas[0], "draft")
    started = _start(world.cpa_client(world.cpas[0]), application.id)
    url = f"{world.server.base_url}/api/v1/face/{started['token']}/result"
    phones = [httpx.Client(timeout=30) for _ in range(6)]
    try:
        answers = race(*(functools.partial(p.post, url, json={"passed": i % 2 == 0}) for i, p in enumerate(phones)))
    finally:
        for phone in phones:
            phone.close()
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409, 409], [a.text for a in answers]
    winner = next(a.json() for a in answers if a.status_code == 200)
    status = world.cpa_client(world.cpas[0]).get(f"/cpa/face-sessions/{started['session_id']}").json()
    assert status["status"] == winner["status"]
    trail = world.cpa_client(world.cpas[0]).get(f"/cpa/applications/{application.id}").json()["events"]
    assert sum(e["action"] in {"face_passed", "face_failed"} for e in trail) == 1
