"""What each role may do with a row in each state, and the Chinese reason when it may not."""

from __future__ import annotations

import itertools

import pytest

from firmdesk.domain.availability import (
    NO_ROW,
    RowAction,
    application_actions,
    batch_actions,
    refusal,
)
from firmdesk.domain.states import NOT_APPLIED, ApplicationState, BatchState, Role

A = ApplicationState
B = BatchState

#: Written out here (not derived from the transition tables): each role's actions on an application, and the
#: states in which each one applies.
APPLICATION_ALLOWED: dict[Role, dict[str, set[ApplicationState]]] = {
    Role.FIRM: {"return": {A.PENDING_FIRM}, "submit": {A.PENDING_FIRM}},
    Role.CPA: {"verify_face": {A.DRAFT}, "resubmit": {A.FIRM_RETURNED, A.INSTITUTE_RETURNED}},
    Role.INSTITUTE: {
        "approve": {A.SUBMITTED},
        "defer": {A.SUBMITTED},
        "fail": {A.SUBMITTED},
        "return": {A.SUBMITTED},
        "identity_check": {A.DRAFT},
        "reinspect": {A.DEFERRED},
    },
    Role.SYSTEM: {},
}

BATCH_ALLOWED: dict[Role, dict[str, set[BatchState]]] = {
    Role.FIRM: {"withdraw": {B.SUBMITTED}, "resubmit": {B.RETURNED}},
    Role.INSTITUTE: {"return": {B.SUBMITTED, B.REVIEWING}},
    Role.CPA: {},
    Role.SYSTEM: {},
}


@pytest.mark.parametrize(("state", "role"), list(itertools.product(ApplicationState, Role)))
def test_each_role_may_do_with_an_application_exactly_what_its_state_allows(state: A, role: Role) -> None:
    actions = application_actions(state, role)
    assert set(actions) == set(APPLICATION_ALLOWED[role])
    allowed = {name for name, states in APPLICATION_ALLOWED[role].items() if state in states}
    assert {name for name, why in actions.items() if why is None} == allowed
    for name, why in actions.items():
        if name not in allowed:
            assert why is not None and why.endswith(f"（当前状态：{state.label}）"), (name, why)


@pytest.mark.parametrize("role", list(Role))
def test_nothing_may_be_done_for_a_cpa_who_has_not_applied(role: Role) -> None:
    actions = application_actions(NOT_APPLIED, role)
    assert set(actions) == set(APPLICATION_ALLOWED[role])
    assert set(actions.values()) <= {"该注册会计师尚未申请年检（当前状态：未申请）"}


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (A.DRAFT, "只有待事务所审核的年检申请可以退回（当前状态：未提交）"),
        (A.SUBMITTED, "只有待事务所审核的年检申请可以退回（当前状态：已提交省注协）"),
        (A.APPROVED, "只有待事务所审核的年检申请可以退回（当前状态：年检通过）"),
    ],
)
def test_the_firm_is_told_why_it_cannot_return_an_application(state: A, reason: str) -> None:
    assert application_actions(state, Role.FIRM)["return"] == reason


@pytest.mark.parametrize("batch_state", list(BatchState))
def test_the_institute_decides_only_while_the_batch_is_under_review(batch_state: B) -> None:
    actions = application_actions(A.SUBMITTED, Role.INSTITUTE, batch_state)
    decisions = {name: why for name, why in actions.items() if name in {"approve", "defer", "fail", "return"}}
    if batch_state in {B.SUBMITTED, B.REVIEWING}:
        assert set(decisions.values()) == {None}
    else:
        assert set(decisions.values()) == {f"该批次当前不能审核（当前状态：{batch_state.label}）"}


@pytest.mark.parametrize(("state", "role"), list(itertools.product(BatchState, Role)))
def test_each_role_may_do_with_a_batch_exactly_what_its_state_allows(state: B, role: Role) -> None:
    actions = batch_actions(state, role)
    assert set(actions) == set(BATCH_ALLOWED[role])
    allowed = {name for name, states in BATCH_ALLOWED[role].items() if state in states}
    assert {name for name, why in actions.items() if why is None} == allowed
    for name, why in actions.items():
        if name not in allowed:
            assert why is not None and why.endswith(f"（当前状态：{state.label}）"), (name, why)


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (B.REVIEWING, "省注协已开始审核，不能撤回（当前状态：审核中）"),
        (B.REVIEWED, "省注协已审核完毕，不能撤回（当前状态：已审核）"),
        (B.WITHDRAWN, "该批次已撤回，无需再次撤回（当前状态：已撤回）"),
        (B.RETURNED, "该批次已被省注协退回，不能撤回（当前状态：已退回）"),
    ],
)
def test_the_firm_is_told_in_its_own_words_why_a_batch_cannot_be_withdrawn(state: B, reason: str) -> None:
    assert batch_actions(state, Role.FIRM)["withdraw"] == reason


def test_resubmitting_a_batch_that_was_not_returned_is_refused_in_chinese() -> None:
    assert batch_actions(B.SUBMITTED, Role.FIRM)["resubmit"] == "只有已退回的批次可以再次申请（当前状态：待审核）"


def test_availability_cannot_be_changed_by_its_reader() -> None:
    actions = application_actions(A.PENDING_FIRM, Role.FIRM)
    with pytest.raises(TypeError):
        actions["return"] = "改了"  # type: ignore[index]


def test_refusal_reads_a_rows_actions() -> None:
    actions = batch_actions(B.REVIEWING, Role.FIRM)
    assert refusal(actions, RowAction.WITHDRAW) == "省注协已开始审核，不能撤回（当前状态：审核中）"
    assert refusal(actions, "resubmit") == "只有已退回的批次可以再次申请（当前状态：审核中）"
    assert refusal(batch_actions(B.SUBMITTED, Role.FIRM), "withdraw") is None


def test_refusal_without_a_row_asks_to_select_one() -> None:
    assert refusal(None, RowAction.RETURN) == NO_ROW == "请先选中一行"


def test_an_action_the_row_does_not_list_is_refused() -> None:
    assert refusal(application_actions(A.PENDING_FIRM, Role.FIRM), RowAction.APPROVE) == "当前不能进行此操作"
    assert refusal({}, "withdraw") == "当前不能进行此操作"
