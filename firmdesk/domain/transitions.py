"""The application and batch state machines: the only place where a state changes.

Callers ask `next_application_state(state, action)` or `next_batch_state(...)`; a transition
that does not apply is refused with `TransitionRefused` and a Chinese message, before anything
is changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from firmdesk.domain.errors import InvalidInput, TransitionRefused
from firmdesk.domain.limits import REASON_MAX_CHARS
from firmdesk.domain.states import Action, ApplicationState, BatchState
from firmdesk.domain.text import clean_text

A = ApplicationState
B = BatchState

APPLICATION_TRANSITIONS: dict[tuple[ApplicationState, Action], ApplicationState] = {
    (A.DRAFT, Action.FACE_PASSED): A.PENDING_FIRM,
    (A.PENDING_FIRM, Action.FIRM_RETURN): A.FIRM_RETURNED,
    (A.PENDING_FIRM, Action.SUBMIT_BATCH): A.SUBMITTED,
    (A.FIRM_RETURNED, Action.RESUBMIT): A.PENDING_FIRM,
    (A.INSTITUTE_RETURNED, Action.RESUBMIT): A.PENDING_FIRM,
    (A.SUBMITTED, Action.WITHDRAW_BATCH): A.PENDING_FIRM,
    (A.SUBMITTED, Action.APPROVE): A.APPROVED,
    (A.SUBMITTED, Action.DEFER): A.DEFERRED,
    (A.SUBMITTED, Action.FAIL): A.FAILED,
    (A.SUBMITTED, Action.INSTITUTE_RETURN): A.INSTITUTE_RETURNED,
    # The institute returns the whole batch: the application stays submitted in it.
    (A.SUBMITTED, Action.RETURN_BATCH): A.SUBMITTED,
    (A.SUBMITTED, Action.RESUBMIT_BATCH): A.SUBMITTED,
    # 线下人工核验 counts as face verification passed.
    (A.DRAFT, Action.OFFLINE_VERIFIED): A.PENDING_FIRM,
    # 复检: the institute later decides a deferred CPA (the deferral stays in the trail).
    (A.DEFERRED, Action.REINSPECT_PASS): A.APPROVED,
    (A.DEFERRED, Action.REINSPECT_FAIL): A.FAILED,
}

#: Why an action is refused, by action, when the state does not allow it.
_REFUSALS: dict[Action, str] = {
    Action.FACE_PASSED: "只有未提交的年检申请可以进行人脸认证",
    Action.FACE_FAILED: "只有未提交的年检申请可以进行人脸认证",
    Action.FIRM_RETURN: "只有待事务所审核的年检申请可以退回",
    Action.SUBMIT_BATCH: "只有待事务所审核的年检申请可以提交省注协",
    Action.RESUBMIT: "只有被退回的年检申请可以再次申请",
    Action.WITHDRAW_BATCH: "该年检申请不在可撤回的批次中",
    Action.APPROVE: "只有已提交省注协的年检申请可以审核",
    Action.DEFER: "只有已提交省注协的年检申请可以审核",
    Action.FAIL: "只有已提交省注协的年检申请可以审核",
    Action.INSTITUTE_RETURN: "只有已提交省注协的年检申请可以退回",
    Action.RETURN_BATCH: "只有已提交省注协的年检申请可以退回",
    Action.RESUBMIT_BATCH: "只有已提交省注协的年检申请可以再次申请",
    Action.OFFLINE_VERIFIED: "只有未提交的年检申请可以进行线下人工核验",
    Action.REINSPECT_PASS: "只有暂缓年检的注册会计师可以复检",
    Action.REINSPECT_FAIL: "只有暂缓年检的注册会计师可以复检",
}


def next_application_state(state: ApplicationState, action: Action) -> ApplicationState:
    """The state an application reaches by `action`, or `TransitionRefused`."""
    if action is Action.FACE_FAILED and state is A.DRAFT:
        return A.DRAFT
    try:
        return APPLICATION_TRANSITIONS[(state, action)]
    except KeyError:
        reason = _REFUSALS.get(action, "当前状态不允许此操作")
        raise TransitionRefused(
            f"{reason}（当前状态：{state.label}）", state=state.value, action=action.value
        ) from None


BATCH_TRANSITIONS: dict[tuple[BatchState, Action], BatchState] = {
    (B.SUBMITTED, Action.WITHDRAW_BATCH): B.WITHDRAWN,
    (B.SUBMITTED, Action.RETURN_BATCH): B.RETURNED,
    (B.REVIEWING, Action.RETURN_BATCH): B.RETURNED,
    (B.RETURNED, Action.RESUBMIT_BATCH): B.SUBMITTED,
}

_BATCH_REFUSALS: dict[Action, str] = {
    Action.WITHDRAW_BATCH: "该批次不能撤回",
    Action.RETURN_BATCH: "只有待审核或审核中的批次可以退回",
    Action.RESUBMIT_BATCH: "只有已退回的批次可以再次申请",
}

#: Where one state deserves its own words (the firm asks "why can't I withdraw?").
_BATCH_STATE_REFUSALS: dict[tuple[BatchState, Action], str] = {
    (B.REVIEWING, Action.WITHDRAW_BATCH): "省注协已开始审核，不能撤回",
    (B.REVIEWED, Action.WITHDRAW_BATCH): "省注协已审核完毕，不能撤回",
    (B.WITHDRAWN, Action.WITHDRAW_BATCH): "该批次已撤回，无需再次撤回",
    (B.RETURNED, Action.WITHDRAW_BATCH): "该批次已被省注协退回，不能撤回",
}

DECIDING_BATCH_STATES = frozenset({B.SUBMITTED, B.REVIEWING})


def next_batch_state(state: BatchState, action: Action) -> BatchState:
    """The state a batch reaches by a firm's or an institute's whole-batch action."""
    try:
        return BATCH_TRANSITIONS[(state, action)]
    except KeyError:
        reason = _BATCH_STATE_REFUSALS.get((state, action)) or _BATCH_REFUSALS.get(action, "当前批次状态不允许此操作")
        raise TransitionRefused(
            f"{reason}（当前状态：{state.label}）", state=state.value, action=action.value
        ) from None


def batch_state_after_decision(state: BatchState, member_states: Iterable[ApplicationState]) -> BatchState:
    """The batch's state once the institute decided one of its CPAs.

    `member_states` are the states of the batch's applications after the decision.
    A decision starts the review (no withdraw from then on); when none is left submitted,
    the batch is reviewed.
    """
    if state not in DECIDING_BATCH_STATES:
        raise TransitionRefused(f"该批次当前不能审核（当前状态：{state.label}）", state=state.value)
    if all(s is not A.SUBMITTED for s in member_states):
        return B.REVIEWED
    return B.REVIEWING


def require_reason(reason: str | None, what: str = "退回原因") -> str:
    """A reason is required and length-limited; line breaks are kept, outer blanks trimmed."""
    text = clean_text(reason or "", keep_line_breaks=True).strip()
    if not text:
        raise InvalidInput(f"请填写{what}")
    if len(text) > REASON_MAX_CHARS:
        raise InvalidInput(f"{what}不能超过 {REASON_MAX_CHARS} 个字（当前 {len(text)} 个字）")
    return text
