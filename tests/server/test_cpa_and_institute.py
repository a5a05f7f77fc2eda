"""CPA and institute details: retired preset, face quota, institute configuration, auto-review, delay hook."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY
from firmdesk.server.config import fast_test_settings
from firmdesk.server.db.models import FaceSession
from firmdesk.server.runner import ServerThread
from firmdesk.server.services.clock import utcnow
from tests.helpers.server import FIRM_PASSWORD, ServerBuilder, api_login
from tests.helpers.server_world import World, submit_batch


def test_retired_is_remembered_and_preset_next_year(world: World) -> None:
    cpa = world.cpas[0]
    me = world.cpa_client(cpa)
    app = me.post("/cpa/applications", json={"year": 2025}).json()
    updated = me.put(f"/cpa/applications/{app['id']}", json={"retired": True}).json()
    assert updated["retired"] is True and updated["required_materials"] == ["离退休证明"]
    assert me.get("/cpa/profile").json()["retired"] is True
    config = world.institute_client().get("/institute/config").json()
    world.institute_client().put("/institute/config", json={**config, "current_year": 2026}).raise_for_status()
    assert me.post("/cpa/applications", json={"year": 2025}).status_code == 409  # exists
    next_year = me.post("/cpa/applications", json={}).json()
    assert (next_year["year"], next_year["retired"]) == (2026, True)
    assert me.post("/cpa/applications", json={"year": 2024}).status_code == 409  # not the current year


def test_face_sessions_are_limited_to_twenty_a_day(world: World) -> None:
    application = world.builder.application(world.cpas[0], "draft")
    me = world.cpa_client(world.cpas[0])
    with world.builder.sessions() as session:  # 19 already used today
        for i in range(FACE_SESSIONS_PER_DAY - 1):
            session.add(
                FaceSession(
                    token=f"used-{i}",
                    cpa_id=world.cpas[0].id,
                    application_id=application.id,
                    status="failed",
                    created_at=utcnow(),
                )
            )
        session.commit()
    last = me.post(f"/cpa/applications/{application.id}/face-sessions")
    assert (last.status_code, last.json()["remaining_today"]) == (201, 0)
    refused = me.post(f"/cpa/applications/{application.id}/face-sessions")
    assert refused.status_code == 429
    assert refused.json()["code"] == "face_quota" and refused.json()["remaining"] == 0
    assert me.get(f"/cpa/face-sessions/{last.json()['session_id']}").json()["remaining_today"] == 0
    with world.builder.sessions() as session:
        count = len(session.scalars(select(FaceSession.id)).all())
    assert count == FACE_SESSIONS_PER_DAY


def test_institute_configuration_round_trips_and_is_validated(world: World) -> None:
    institute = world.institute_client()
    config = institute.get("/institute/config").json()
    assert config["min_training_hours"] == 40
    changed = {**config, "materials_working": ["继续教育证明", " 继续教育证明 ", "执业证书"], "min_training_hours": 48}
    saved = institute.put("/institute/config", json=changed).json()
    assert saved["materials_working"] == ["继续教育证明", "执业证书"] and saved["min_training_hours"] == 48
    assert world.cpa_client(world.cpas[0]).get("/cpa/notice").json()["materials_working"] == saved["materials_working"]
    bad = institute.put("/institute/config", json={**config, "deadline": "2025-01-01"})
    assert (bad.status_code, bad.json()["detail"]) == (422, "截止日期不能早于开始日期")


def test_institute_returns_a_whole_batch_and_the_firm_resubmits_it(world: World) -> None:
    apps = [world.builder.application(c) for c in world.cpas[:2]]
    firm, institute = world.firm_client(), world.institute_client()
    created = submit_batch(firm, [a.id for a in apps], files=2).json()["batch"]
    returned = institute.post(
        f"/institute/batches/{created['id']}/return", json={"reason": "社保证明材料不清晰"}
    ).json()
    assert returned["batch"]["state"] == "returned" and returned["batch"]["return_reason"] == "社保证明材料不清晰"
    assert {a["status"] for a in returned["applications"]} == {"submitted"}
    assert firm.get("/firm/batches", params={"state": "returned"}).json()["total"] == 1
    keep = [a["id"] for a in returned["attachments"] if a["material"] == "社保证明材料"]
    missing = firm.post(f"/firm/batches/{created['id']}/resubmit", data={"keep_attachment_ids": []})
    assert missing.status_code == 422
    again = firm.post(
        f"/firm/batches/{created['id']}/resubmit",
        data={"keep_attachment_ids": [str(i) for i in keep], "materials": ["补充说明"]},
        files=[("files", ("说明.pdf", b"%PDF-1.4 note", "application/pdf"))],
    )
    assert again.status_code == 200, again.text
    detail = firm.get(f"/firm/batches/{created['id']}").json()
    assert detail["batch"]["state"] == "submitted" and detail["batch"]["return_reason"] is None
    assert sorted(a["material"] for a in detail["attachments"]) == ["社保证明材料", "补充说明"]
    assert [e["action"] for e in detail["events"]] == ["submit_batch", "return_batch", "resubmit_batch"]


@pytest.mark.parametrize("delay", [1.0])  # wide: under a loaded CI machine a plain request once took 0.41 s
def test_debug_delay_slows_only_the_firm_endpoints(tmp_path, delay: float) -> None:  # type: ignore[no-untyped-def]
    settings = fast_test_settings(tmp_path / "slow", debug_delay_s=delay)
    builder = ServerBuilder(settings)
    firm = builder.firm(builder.institute())
    with ServerThread(settings) as server:
        client = api_login(server.base_url, "firm", firm.number, FIRM_PASSWORD)
        started = time.monotonic()
        assert client.get("/auth/me").status_code == 200
        fast = time.monotonic() - started
        started = time.monotonic()
        assert client.get("/firm").status_code == 200
        slow = time.monotonic() - started
        client.close()
    builder.close()
    assert slow >= delay > fast


def test_auto_review_decides_submitted_batches_as_the_institute(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = fast_test_settings(tmp_path / "auto", auto_review=True, auto_review_delay_s=0.2)
    builder = ServerBuilder(settings)
    institute = builder.institute()
    firm = builder.firm(institute)
    apps = [builder.application(c) for c in builder.cpas(firm, 3)]
    with ServerThread(settings) as server:
        client = api_login(server.base_url, "firm", firm.number, FIRM_PASSWORD)
        batch_ids = [submit_batch(client, [a.id]).json()["batch"]["id"] for a in apps]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            states = [client.get(f"/firm/batches/{i}").json()["batch"]["state"] for i in batch_ids]
            if all(s in {"reviewed", "returned"} for s in states):
                break
            time.sleep(0.2)
        details = [client.get(f"/firm/batches/{i}").json() for i in batch_ids]
        client.close()
    builder.close()
    for detail in details:
        assert detail["batch"]["state"] in {"reviewed", "returned"}
        decided = [e for e in detail["events"] if e["action"] != "submit_batch"]
        assert decided and all(e["actor_role"] == "institute" and e["actor_id"] == "50" for e in decided)
