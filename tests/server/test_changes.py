"""The change feed: everything at cursor 0, then only what changed, nothing when nothing did."""

from __future__ import annotations

from tests.helpers.server_world import World, submit_batch


def test_change_feed_returns_only_what_changed(world: World) -> None:
    pending = world.builder.application(world.cpas[0])
    world.builder.application(world.cpas[1], "draft")
    firm = world.firm_client()

    full = firm.get("/firm/changes", params={"year": 2025}).json()
    assert full["full"] is True
    assert {r["cert_no"] for r in full["cpas"]} == {c.cert_no for c in world.cpas}
    cursor = full["cursor"]

    quiet = firm.get("/firm/changes", params={"year": 2025, "since": cursor}).json()
    assert quiet == {"cursor": cursor, "full": False, "cpas": [], "batches": []}

    batch = submit_batch(firm, [pending.id]).json()["batch"]
    delta = firm.get("/firm/changes", params={"year": 2025, "since": cursor}).json()
    assert delta["full"] is False and delta["cursor"] > cursor
    assert [r["cpa_id"] for r in delta["cpas"]] == [world.cpas[0].id]
    assert delta["cpas"][0]["status"] == "submitted"
    assert [b["id"] for b in delta["batches"]] == [batch["id"]]

    # A change by the institute shows up too; the other firm's changes never do.
    cursor = delta["cursor"]
    world.institute_client().post(f"/institute/batches/{batch['id']}/return", json={"reason": "社保证明不清晰"})
    other_app = world.builder.application(world.other_cpa)
    submit_batch(world.firm_client(world.other_firm), [other_app.id])
    delta = firm.get("/firm/changes", params={"year": 2025, "since": cursor}).json()
    assert [b["state"] for b in delta["batches"]] == ["returned"]
    assert delta["batches"][0]["return_reason"] == "社保证明不清晰"
    assert [r["cpa_id"] for r in delta["cpas"]] == [world.cpas[0].id]


def test_cpa_side_changes_reach_the_firm_feed(world: World) -> None:
    application = world.builder.application(world.cpas[2], "firm_returned", reason="缺页")
    firm = world.firm_client()
    cursor = firm.get("/firm/changes").json()["cursor"]
    world.cpa_client(world.cpas[2]).post(f"/cpa/applications/{application.id}/resubmit").raise_for_status()
    delta = firm.get("/firm/changes", params={"since": cursor}).json()
    assert [(r["cpa_id"], r["status"], r["reason"]) for r in delta["cpas"]] == [
        (world.cpas[2].id, "pending_firm", None)
    ]
