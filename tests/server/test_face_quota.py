"""今日剩余次数 as a read-only query, counted like the start endpoint; ID documents face verification cannot check."""

from __future__ import annotations

from datetime import datetime, timedelta

from firmdesk.domain.face_verification import unsupported_document_message
from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY
from firmdesk.server.db.models import Cpa, FaceSession
from firmdesk.server.services.clock import CHINA, start_of_china_day, utcnow
from tests.helpers.server_world import World


def _used(world: World, cpa: Cpa, application_id: int, count: int, at: datetime) -> None:
    with world.builder.sessions() as session:
        for i in range(count):
            session.add(
                FaceSession(
                    token=f"used-{at.timestamp()}-{i}",
                    cpa_id=cpa.id,
                    application_id=application_id,
                    status="failed",
                    created_at=at,
                )
            )
        session.commit()


def test_the_quota_counts_todays_sessions_as_the_start_endpoint_does(world: World) -> None:
    cpa = world.cpas[0]
    application = world.builder.application(cpa, "draft")
    me = world.cpa_client(cpa)
    fresh = me.get("/cpa/face-quota").json()
    assert (fresh["remaining"], fresh["limit"]) == (FACE_SESSIONS_PER_DAY, FACE_SESSIONS_PER_DAY)
    assert me.get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY  # reading uses none
    _used(world, cpa, application.id, 5, start_of_china_day() - timedelta(seconds=1))  # yesterday's: not counted
    _used(world, cpa, application.id, 3, utcnow())
    assert me.get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY - 3
    started = me.post(f"/cpa/applications/{application.id}/face-sessions").json()
    assert started["remaining_today"] == me.get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY - 4


def test_the_quota_resets_at_the_next_midnight_in_china(world: World) -> None:
    answer = world.cpa_client(world.cpas[0]).get("/cpa/face-quota").json()
    resets = datetime.fromisoformat(answer["resets_at"].replace("Z", "+00:00")).astimezone(CHINA)
    assert (resets.hour, resets.minute, resets.second) == (0, 0, 0)
    assert timedelta(0) < resets - datetime.now(CHINA) <= timedelta(days=1)


def test_an_exhausted_quota_reads_zero_and_the_start_is_refused(world: World) -> None:
    cpa = world.cpas[0]
    application = world.builder.application(cpa, "draft")
    _used(world, cpa, application.id, FACE_SESSIONS_PER_DAY, utcnow())
    me = world.cpa_client(cpa)
    assert me.get("/cpa/face-quota").json()["remaining"] == 0
    refused = me.post(f"/cpa/applications/{application.id}/face-sessions")
    assert (refused.status_code, refused.json()["code"]) == (429, "face_quota")


def test_the_quota_is_the_signed_in_cpas_own(world: World) -> None:
    cpa, other = world.cpas[0], world.cpas[1]
    application = world.builder.application(cpa, "draft")
    _used(world, cpa, application.id, 7, utcnow())
    assert world.cpa_client(other).get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY
    assert world.firm_client().get("/cpa/face-quota").status_code == 403
    assert world.anonymous().get("/cpa/face-quota").status_code == 401


def test_a_passport_holder_is_sent_to_the_institute_without_spending_a_session(world: World) -> None:
    cpa = world.cpas[0]
    with world.builder.sessions() as session:
        session.get_one(Cpa, cpa.id).id_type = "护照"
        session.commit()
    application = world.builder.application(cpa, "draft")
    me = world.cpa_client(cpa)
    assert me.get("/cpa/profile").json()["face_verification_supported"] is False
    refused = me.post(f"/cpa/applications/{application.id}/face-sessions")
    assert refused.status_code == 409
    assert refused.json()["detail"] == unsupported_document_message("护照")
    assert "线下人工核验" in refused.json()["detail"]
    assert me.get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY


def test_a_resident_permit_holder_may_verify(world: World) -> None:
    cpa = world.cpas[0]
    with world.builder.sessions() as session:
        session.get_one(Cpa, cpa.id).id_type = "港澳台居民居住证"
        session.commit()
    application = world.builder.application(cpa, "draft")
    me = world.cpa_client(cpa)
    assert me.get("/cpa/profile").json()["face_verification_supported"] is True
    assert me.post(f"/cpa/applications/{application.id}/face-sessions").status_code == 201
