"""Rows carry what the signed-in role may do with them (`actions`), and the tabs list what `domain.tabs` says.

The reasons in `actions` are the very texts the server's refusals (409) give.
"""

from __future__ import annotations

from firmdesk.domain.availability import APPLICATION_ROLE_ACTIONS, BATCH_ROLE_ACTIONS
from firmdesk.domain.states import ApplicationState, BatchState, FirmTab, Role
from firmdesk.domain.tabs import cpa_in_tab
from tests.helpers.server_world import World, batch_in, submit_batch

FIRM_APPLICATION = {str(a) for a in APPLICATION_ROLE_ACTIONS[Role.FIRM]}
INSTITUTE_APPLICATION = {str(a) for a in APPLICATION_ROLE_ACTIONS[Role.INSTITUTE]}
INSTITUTE_DECISIONS = {"approve", "defer", "fail", "return"}


def test_firm_rows_carry_the_firms_actions_and_their_refusals_are_the_409_texts(world: World) -> None:
    firm = world.firm_client()
    batch_id, ids = batch_in(world, BatchState.REVIEWING)
    row = firm.get(f"/firm/batches/{batch_id}").json()["batch"]
    assert set(row["actions"]) == {str(a) for a in BATCH_ROLE_ACTIONS[Role.FIRM]}
    refused = firm.post(f"/firm/batches/{batch_id}/withdraw")
    assert refused.status_code == 409
    assert row["actions"]["withdraw"] == refused.json()["detail"]
    assert row["can_withdraw"] is False

    cpa_row = firm.get(f"/firm/applications/{ids[1]}").json()["row"]
    assert set(cpa_row["actions"]) == FIRM_APPLICATION
    answer = firm.post("/firm/returns", json={"items": [{"application_id": ids[1]}], "reason": "请补充"})
    assert answer.status_code == 409
    assert answer.json()["detail"].endswith(cpa_row["actions"]["return"])  # the 409 names the CPA first


def test_institute_rows_carry_the_institutes_actions(world: World) -> None:
    institute = world.institute_client()
    batch_id, ids = batch_in(world, BatchState.SUBMITTED)
    listed = institute.get("/institute/batches").json()["items"]
    row = next(b for b in listed if b["id"] == batch_id)
    assert row["actions"] == {"return": None}
    detail = institute.get(f"/institute/batches/{batch_id}").json()
    assert detail["batch"]["actions"] == {"return": None}
    for a in detail["applications"]:
        assert {name for name, why in a["actions"].items() if why is None} == INSTITUTE_DECISIONS
        assert set(a["actions"]) == INSTITUTE_APPLICATION  # 线下人工核验 and 复检 apply to drafts and deferrals

    decided = institute.post(f"/institute/applications/{ids[0]}/decision", json={"decision": "approve"}).json()
    assert set(decided["actions"]) == INSTITUTE_APPLICATION
    refused = institute.post(f"/institute/applications/{ids[0]}/decision", json={"decision": "defer", "reason": "x"})
    assert refused.status_code == 409
    assert decided["actions"]["defer"] == refused.json()["detail"]
    assert decided["actions"]["approve"] is not None

    approved = institute.post(f"/institute/batches/{batch_id}/approve-all").json()
    assert approved["batch"]["state"] == "reviewed"
    refused = institute.post(f"/institute/batches/{batch_id}/return", json={"reason": "请补充"})
    assert refused.status_code == 409
    assert approved["batch"]["actions"]["return"] == refused.json()["detail"]


def test_each_tab_lists_the_rows_the_domain_puts_in_it_and_the_summary_counts_them(world: World) -> None:
    firm = world.firm_client()
    for state in (ApplicationState.DRAFT, ApplicationState.PENDING_FIRM, ApplicationState.FIRM_RETURNED):
        world.builder.application(world.builder.cpa(world.firm), state)
    batch_in(world, BatchState.RETURNED)
    batch_in(world, BatchState.SUBMITTED)
    submit_batch(firm, [world.builder.application(world.builder.cpa(world.firm)).id])
    every = firm.get("/firm/cpas", params={"page_size": 1000}).json()["items"]
    batches = {b["id"]: b["state"] for b in firm.get("/firm/batches").json()["items"]}
    for tab in FirmTab:
        listed = firm.get("/firm/cpas", params={"tab": tab.value, "page_size": 1000}).json()["items"]
        expected = {r["cpa_id"] for r in every if cpa_in_tab(tab, r["status"], batches.get(r["batch_id"]))}
        assert {r["cpa_id"] for r in listed} == expected, tab
    summary = firm.get("/firm/summary").json()
    for tab, field in ((FirmTab.PENDING_REVIEW, "pending"), (FirmTab.NOT_APPLIED, "not_applied")):
        assert summary[field] == firm.get("/firm/cpas", params={"tab": tab.value}).json()["total"], field
    assert summary["returned"] == firm.get("/firm/cpas", params={"tab": "returned"}).json()["total"]
    assert firm.get("/firm/cpas", params={"tab": "nonsense"}).status_code == 422
