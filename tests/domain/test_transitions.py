"""The state machines: every allowed transition gives its state, every other one is refused in Chinese."""

from __future__ import annotations

import itertools

import pytest

from firmdesk.domain.availability import batch_actions
from firmdesk.domain.errors import InvalidInput, TransitionRefused
from firmdesk.domain.limits import REASON_MAX_CHARS
from firmdesk.domain.states import Action, ApplicationState, BatchState
from firmdesk.domain.transitions import (
    APPLICATION_TRANSITIONS,
    BATCH_TRANSITIONS,
    batch_state_after_decision,
    next_application_state,
    next_batch_state,
    require_reason,
)

A = ApplicationState
B = BatchState

EXPECTED_APPLICATION = {
    (A.DRAFT, Action.FACE_PASSED): A.PENDING_FIRM,
    (A.DRAFT, Action.FACE_FAILED): A.DRAFT,
    (A.PENDING_FIRM, Action.FIRM_RETURN): A.FIRM_RETURNED,
    (A.PENDING_FIRM, Action.SUBMIT_BATCH): A.SUBMITTED,
    (A.FIRM_RETURNED, Action.RESUBMIT): A.PENDING_FIRM,
    (A.INSTITUTE_RETURNED, Action.RESUBMIT): A.PENDING_FIRM,
    (A.SUBMITTED, Action.WITHDRAW_BATCH): A.PENDING_FIRM,
    (A.SUBMITTED, Action.APPROVE): A.APPROVED,
    (A.SUBMITTED, Action.DEFER): A.DEFERRED,
    (A.SUBMITTED, Action.FAIL): A.FAILED,
    (A.SUBMITTED, Action.INSTITUTE_RETURN): A.INSTITUTE_RETURNED,
    (A.SUBMITTED, Action.RETURN_BATCH): A.SUBMITTED,
    (A.SUBMITTED, Action.RESUBMIT_BATCH): A.SUBMITTED,
    (A.DRAFT, Action.OFFLINE_VERIFIED): A.PENDING_FIRM,  # 线下人工核验 counts as face verification passed
    (A.DEFERRED, Action.REINSPECT_PASS): A.APPROVED,  # 复检
    (A.DEFERRED, Action.REINSPECT_FAIL): A.FAILED,
}
ALL_APPLICATION_PAIRS = list(itertools.product(ApplicationState, Action))


@pytest.mark.parametrize(("state", "action"), list(EXPECTED_APPLICATION))
def test_allowed_application_transition_reaches_its_state(state: A, action: Action) -> None:
    assert next_application_state(state, action) is EXPECTED_APPLICATION[(state, action)]


@pytest.mark.parametrize(("state", "action"), [p for p in ALL_APPLICATION_PAIRS if p not in EXPECTED_APPLICATION])
def test_every_other_application_transition_is_refused_in_chinese(state: A, action: Action) -> None:
    with pytest.raises(TransitionRefused) as refused:
        next_application_state(state, action)
    assert state.label in refused.value.message
    assert refused.value.extra == {"state": state.value, "action": action.value}


def test_application_table_is_exactly_the_spec() -> None:
    table_plus_face_failed = {**APPLICATION_TRANSITIONS, (A.DRAFT, Action.FACE_FAILED): A.DRAFT}
    assert table_plus_face_failed == EXPECTED_APPLICATION


def test_final_states_allow_nothing_but_the_reinspection_of_a_deferral() -> None:
    for state in (A.APPROVED, A.DEFERRED, A.FAILED):
        assert state.is_final
        for action in Action:
            if (state, action) in EXPECTED_APPLICATION:
                continue
            with pytest.raises(TransitionRefused):
                next_application_state(state, action)


EXPECTED_BATCH = {
    (B.SUBMITTED, Action.WITHDRAW_BATCH): B.WITHDRAWN,
    (B.SUBMITTED, Action.RETURN_BATCH): B.RETURNED,
    (B.REVIEWING, Action.RETURN_BATCH): B.RETURNED,
    (B.RETURNED, Action.RESUBMIT_BATCH): B.SUBMITTED,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(BatchState, Action)))
def test_batch_transitions_allowed_or_refused(state: B, action: Action) -> None:
    if (state, action) in EXPECTED_BATCH:
        assert next_batch_state(state, action) is EXPECTED_BATCH[(state, action)]
    else:
        with pytest.raises(TransitionRefused) as refused:
            next_batch_state(state, action)
        assert state.label in refused.value.message
    assert BATCH_TRANSITIONS == EXPECTED_BATCH


def test_only_a_batch_nobody_started_on_can_be_withdrawn() -> None:
    assert [s for s in BatchState if batch_actions(s)["withdraw"] is None] == [B.SUBMITTED]


def test_a_decision_starts_the_review_and_the_last_one_ends_it() -> None:
    assert batch_state_after_decision(B.SUBMITTED, [A.APPROVED, A.SUBMITTED]) is B.REVIEWING
    assert batch_state_after_decision(B.REVIEWING, [A.APPROVED, A.DEFERRED]) is B.REVIEWED
    assert batch_state_after_decision(B.SUBMITTED, []) is B.REVIEWED


@pytest.mark.parametrize("state", [B.RETURNED, B.WITHDRAWN, B.REVIEWED])
def test_no_decision_on_a_batch_that_is_not_under_review(state: B) -> None:
    with pytest.raises(TransitionRefused, match="该批次当前不能审核"):
        batch_state_after_decision(state, [A.SUBMITTED])


def test_reason_is_required_trimmed_and_limited() -> None:
    assert require_reason("  材料不清晰 \n") == "材料不清晰"
    with pytest.raises(InvalidInput, match="请填写退回原因"):
        require_reason("   ")
    with pytest.raises(InvalidInput, match=str(REASON_MAX_CHARS)):
        require_reason("字" * (REASON_MAX_CHARS + 1))
