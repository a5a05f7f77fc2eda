"""Every allowed and every refused transition over HTTP: refused → 409 in Chinese, nothing changed."""

from __future__ import annotations

import httpx
import pytest

from firmdesk.domain.states import ApplicationState, BatchState
from tests.helpers.server_world import World, batch_files, batch_in, submit_batch

A = ApplicationState


def _row(firm: httpx.Client, application_id: int) -> dict:
    return firm.get(f"/firm/applications/{application_id}").json()["row"]


APPLICATION_ACTIONS = {
    # action: (who, states in which it is allowed)
    "firm_return": ("firm", {A.PENDING_FIRM}),
    "submit_batch": ("firm", {A.PENDING_FIRM}),
    "cpa_resubmit": ("cpa", {A.FIRM_RETURNED, A.INSTITUTE_RETURNED}),
    "face_session": ("cpa", {A.DRAFT}),
    "cpa_edit": ("cpa", {A.DRAFT, A.FIRM_RETURNED, A.INSTITUTE_RETURNED}),
}


def _do(world: World, action: str, application_id: int, cpa_client: httpx.Client) -> httpx.Response:
    firm = world.firm_client()
    if action == "firm_return":
        return firm.post("/firm/returns", json={"items": [{"application_id": application_id}], "reason": "请补充"})
    if action == "submit_batch":
        return submit_batch(firm, [application_id])
    if action == "cpa_resubmit":
        return cpa_client.post(f"/cpa/applications/{application_id}/resubmit")
    if action == "face_session":
        return cpa_client.post(f"/cpa/applications/{application_id}/face-sessions")
    return cpa_client.put(f"/cpa/applications/{application_id}", json={"retired": True})


@pytest.mark.parametrize("action", list(APPLICATION_ACTIONS))
def test_application_actions_allowed_only_in_their_states(world: World, action: str) -> None:
    _who, allowed = APPLICATION_ACTIONS[action]
    cpas = world.builder.cpas(world.firm, len(ApplicationState))
    for cpa, state in zip(cpas, ApplicationState, strict=True):
        application = world.builder.application(cpa, state)
        before = _row(world.firm_client(), application.id)
        answer = _do(world, action, application.id, world.cpa_client(cpa))
        if state in allowed:
            assert answer.status_code in (200, 201), (state, answer.text)
        else:
            assert answer.status_code == 409, (state, answer.text)
            body = answer.json()
            assert body["code"] == "transition_refused"
            assert state.label in body["detail"]
            after = _row(world.firm_client(), application.id)
            assert (after["status"], after["version"]) == (before["status"], before["version"])


BATCH_ACTIONS = {
    "withdraw": {BatchState.SUBMITTED},
    "institute_return": {BatchState.SUBMITTED, BatchState.REVIEWING},
    "resubmit": {BatchState.RETURNED},
    "approve_all": {BatchState.SUBMITTED, BatchState.REVIEWING},
    "decide_defer": {BatchState.SUBMITTED, BatchState.REVIEWING},
}


def _batch_action(world: World, action: str, batch_id: int, ids: list[int]) -> httpx.Response:
    firm, institute = world.firm_client(), world.institute_client()
    if action == "withdraw":
        return firm.post(f"/firm/batches/{batch_id}/withdraw")
    if action == "institute_return":
        return institute.post(f"/institute/batches/{batch_id}/return", json={"reason": "请补充材料"})
    if action == "resubmit":
        parts = batch_files(1)
        return firm.post(
            f"/firm/batches/{batch_id}/resubmit",
            data={"materials": parts["materials"]},
            files=parts["files"],  # type: ignore[arg-type]
        )
    if action == "approve_all":
        return institute.post(f"/institute/batches/{batch_id}/approve-all")
    return institute.post(f"/institute/applications/{ids[1]}/decision", json={"decision": "defer", "reason": "待核实"})


@pytest.mark.parametrize("state", list(BatchState))
def test_batch_actions_allowed_only_in_their_states(world: World, state: BatchState) -> None:
    firm = world.firm_client()
    for action, allowed in BATCH_ACTIONS.items():
        batch_id, ids = batch_in(world, state)
        before = firm.get(f"/firm/batches/{batch_id}").json()
        answer = _batch_action(world, action, batch_id, ids)
        after = firm.get(f"/firm/batches/{batch_id}").json()
        if state in allowed:
            assert answer.status_code == 200, (action, answer.text)
            assert after["batch"]["version"] > before["batch"]["version"]
            assert len(after["events"]) > len(before["events"])
        else:
            assert answer.status_code == 409, (action, answer.text)
            assert answer.json()["code"] == "transition_refused"
            assert after == before, action


def test_stale_version_is_a_version_conflict(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    firm = world.firm_client()
    answer = firm.post(
        "/firm/returns", json={"items": [{"application_id": application.id, "version": 99}], "reason": "请补充"}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "version_conflict"
    assert _row(firm, application.id)["status"] == "pending_firm"


def test_returns_are_all_or_nothing_and_name_the_cpa(world: World) -> None:
    ok = world.builder.application(world.cpas[0])
    draft = world.builder.application(world.cpas[1], "draft")
    firm = world.firm_client()
    answer = firm.post(
        "/firm/returns",
        json={"items": [{"application_id": ok.id}, {"application_id": draft.id}], "reason": "请补充"},
    )
    assert answer.status_code == 409
    assert world.cpas[1].name in answer.json()["detail"]
    assert _row(firm, ok.id)["status"] == "pending_firm"


def test_reasons_are_required_where_the_spec_says(world: World) -> None:
    application = world.builder.application(world.cpas[0])
    firm, institute = world.firm_client(), world.institute_client()
    blank = firm.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "  "})
    assert (blank.status_code, blank.json()["detail"]) == (422, "请填写退回原因")
    batch_id = submit_batch(firm, [application.id]).json()["batch"]["id"]
    for decision in ("defer", "fail", "return"):
        answer = institute.post(f"/institute/applications/{application.id}/decision", json={"decision": decision})
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_input"
    assert institute.post(f"/institute/batches/{batch_id}/return", json={"reason": ""}).status_code == 422
    approved = institute.post(f"/institute/applications/{application.id}/decision", json={"decision": "approve"})
    assert approved.json()["status"] == "approved"
