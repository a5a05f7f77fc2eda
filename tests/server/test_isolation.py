"""Each role sees and changes only its own data: another firm's records are 404, a wrong role 403."""

from __future__ import annotations

import httpx

from tests.helpers.server import INSTITUTE_PASSWORD, api_login
from tests.helpers.server_world import World, submit_batch


def _other_firm_world(world: World) -> dict[str, int]:
    """The other firm's application, batch and attachments (made through its own client)."""
    other_app = world.builder.application(world.other_cpa)
    other = world.firm_client(world.other_firm)
    batch = submit_batch(other, [other_app.id]).json()
    detail = other.get(f"/firm/applications/{other_app.id}").json()
    return {
        "application": other_app.id,
        "batch": batch["batch"]["id"],
        "app_attachment": detail["attachments"][0]["id"],
        "batch_attachment": other.get(f"/firm/batches/{batch['batch']['id']}").json()["attachments"][0]["id"],
    }


def test_firm_never_sees_another_firms_cpas_batches_or_attachments(world: World) -> None:
    theirs = _other_firm_world(world)
    firm = world.firm_client()
    rows = firm.get("/firm/cpas", params={"page_size": 1000}).json()["items"]
    assert world.other_cpa.cert_no not in {r["cert_no"] for r in rows}
    assert len(rows) == len(world.cpas)
    assert firm.get("/firm/batches").json()["total"] == 0
    assert firm.get("/firm/changes").json()["batches"] == []
    for path in (
        f"/firm/applications/{theirs['application']}",
        f"/firm/applications/{theirs['application']}/trail",
        f"/firm/applications/{theirs['application']}/readiness",
        f"/firm/batches/{theirs['batch']}",
        f"/firm/attachments/{theirs['app_attachment']}/content",
        f"/firm/attachments/{theirs['batch_attachment']}/content",
    ):
        answer = firm.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["code"] == "not_found"
    for answer in (
        firm.post(f"/firm/batches/{theirs['batch']}/withdraw"),
        firm.post("/firm/returns", json={"items": [{"application_id": theirs["application"]}], "reason": "x"}),
        firm.post("/firm/readiness", json={"application_ids": [theirs["application"]]}),
        submit_batch(firm, [theirs["application"]]),
    ):
        assert answer.status_code == 404
    # Nothing of theirs changed.
    other = world.firm_client(world.other_firm)
    assert other.get(f"/firm/batches/{theirs['batch']}").json()["batch"]["state"] == "submitted"


def test_cpa_sees_only_itself(world: World) -> None:
    mine = world.builder.application(world.cpas[0], "draft")
    someone_else = world.builder.application(world.cpas[1], "firm_returned")
    me = world.cpa_client(world.cpas[0])
    assert [a["id"] for a in me.get("/cpa/applications").json()] == [mine.id]
    for answer in (
        me.get(f"/cpa/applications/{someone_else.id}"),
        me.put(f"/cpa/applications/{someone_else.id}", json={"retired": True}),
        me.post(f"/cpa/applications/{someone_else.id}/resubmit"),
        me.post(f"/cpa/applications/{someone_else.id}/face-sessions"),
        me.post("/cpa/messages/999/read"),
    ):
        assert answer.status_code == 404
    assert me.get("/cpa/profile").json()["cert_no"] == world.cpas[0].cert_no
    # Another CPA's face session and attachments are not found either.
    theirs = world.cpa_client(world.cpas[1])
    other_draft = world.builder.application(world.cpas[2], "draft")
    session = world.cpa_client(world.cpas[2]).post(f"/cpa/applications/{other_draft.id}/face-sessions").json()
    assert me.get(f"/cpa/face-sessions/{session['session_id']}").status_code == 404
    attachment_id = theirs.get(f"/cpa/applications/{someone_else.id}").json()["attachments"][0]["id"]
    assert me.delete(f"/cpa/applications/{mine.id}/attachments/{attachment_id}").status_code == 404
    assert me.delete(f"/cpa/applications/{someone_else.id}/attachments/{attachment_id}").status_code == 404
    assert len(theirs.get(f"/cpa/applications/{someone_else.id}").json()["attachments"]) == 2


def test_institute_sees_only_its_own_firms(world: World) -> None:
    theirs = _other_firm_world(world)
    institute = world.institute_client()
    assert institute.get("/institute/batches").json()["total"] == 1
    # A second institute with a firm of its own sees nothing of institute 50.
    second = world.builder.institute("51", "四川省注册会计师协会")
    world.builder.firm(second, "51010001", "成都会计师事务所")
    stranger = api_login(world.server.base_url, "institute", "51", INSTITUTE_PASSWORD)
    try:
        listed = stranger.get("/institute/batches").json()
        assert (listed["items"], listed["total"], set(listed["by_state"].values())) == ([], 0, {0})
        for answer in (
            stranger.get(f"/institute/batches/{theirs['batch']}"),
            stranger.post(f"/institute/batches/{theirs['batch']}/approve-all"),
            stranger.post(f"/institute/batches/{theirs['batch']}/return", json={"reason": "x"}),
            stranger.post(f"/institute/applications/{theirs['application']}/decision", json={"decision": "approve"}),
            stranger.get(f"/institute/attachments/{theirs['batch_attachment']}/content"),
        ):
            assert answer.status_code == 404
    finally:
        stranger.close()
    assert institute.get(f"/institute/attachments/{theirs['batch_attachment']}/content").status_code == 200


def test_each_role_is_refused_the_others_endpoints(world: World) -> None:
    firm, institute, cpa = world.firm_client(), world.institute_client(), world.cpa_client(world.cpas[0])
    for client, paths in (
        (firm, ["/cpa/profile", "/institute/config"]),
        (institute, ["/firm", "/cpa/messages"]),
        (cpa, ["/firm/cpas", "/institute/batches"]),
    ):
        for path in paths:
            answer = client.get(path)
            assert (answer.status_code, answer.json()["code"]) == (403, "forbidden"), path


def test_no_token_no_data(world: World) -> None:
    anonymous = world.anonymous()
    for path in ("/firm", "/firm/cpas", "/cpa/profile", "/institute/batches", "/auth/me"):
        answer = anonymous.get(path)
        assert (answer.status_code, answer.json()["code"]) == (401, "unauthorized"), path
    forged = httpx.get(f"{world.server.base_url}/api/v1/firm", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401
