"""What a role may do with a row now, and why not: derived from the transition tables, never written again.

`application_actions(status, role)` and `batch_actions(state, role)` give, for each action the role has
on such a row, `None` when it applies or the Chinese reason when it does not. The server sends this with
every row (`actions`); the client's buttons, menus, dialogs and drafts read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from firmdesk.domain.errors import TransitionRefused
from firmdesk.domain.states import NOT_APPLIED, NOT_APPLIED_LABEL, Action, ApplicationState, BatchState, Role
from firmdesk.domain.transitions import DECIDING_BATCH_STATES, next_application_state, next_batch_state

#: action name -> None (allowed) or why not, in Chinese.
Availability = Mapping[str, str | None]


class RowAction(StrEnum):
    """The names under which the contract lists what may be done with a row."""

    RETURN = "return"  # firm: 退回 an application; institute: 退回 one CPA or the whole batch
    SUBMIT = "submit"  # firm: 申请 (submit in a batch)
    WITHDRAW = "withdraw"  # firm: 撤回 a batch
    RESUBMIT = "resubmit"  # firm: 再次申请-修改附件 of a batch; CPA: 再次申请
    VERIFY_FACE = "verify_face"  # CPA: 人脸认证
    APPROVE = "approve"  # institute
    DEFER = "defer"
    FAIL = "fail"
    IDENTITY_CHECK = "identity_check"  # institute: 线下人工核验 of a draft
    REINSPECT = "reinspect"  # institute: 复检 of a deferred CPA


#: For each role, the actions it has on an application, and the transition each one is.
APPLICATION_ROLE_ACTIONS: dict[Role, dict[RowAction, Action]] = {
    Role.FIRM: {RowAction.RETURN: Action.FIRM_RETURN, RowAction.SUBMIT: Action.SUBMIT_BATCH},
    Role.CPA: {RowAction.VERIFY_FACE: Action.FACE_PASSED, RowAction.RESUBMIT: Action.RESUBMIT},
    Role.INSTITUTE: {
        RowAction.APPROVE: Action.APPROVE,
        RowAction.DEFER: Action.DEFER,
        RowAction.FAIL: Action.FAIL,
        RowAction.RETURN: Action.INSTITUTE_RETURN,
        RowAction.IDENTITY_CHECK: Action.OFFLINE_VERIFIED,
        RowAction.REINSPECT: Action.REINSPECT_PASS,
    },
}

#: For each role, the actions it has on a batch.
BATCH_ROLE_ACTIONS: dict[Role, dict[RowAction, Action]] = {
    Role.FIRM: {RowAction.WITHDRAW: Action.WITHDRAW_BATCH, RowAction.RESUBMIT: Action.RESUBMIT_BATCH},
    Role.INSTITUTE: {RowAction.RETURN: Action.RETURN_BATCH},
}

NO_ROW = "请先选中一行"


def application_refusal(status: str, action: Action, batch_state: str | None = None) -> str | None:
    """Why `action` does not apply to an application in `status` (`NOT_APPLIED` for none); None if it does."""
    if status == NOT_APPLIED:
        return f"该注册会计师尚未申请年检（当前状态：{NOT_APPLIED_LABEL}）"
    try:
        next_application_state(ApplicationState(status), action)
    except TransitionRefused as refused:
        return refused.message
    deciding = action in {Action.APPROVE, Action.DEFER, Action.FAIL, Action.INSTITUTE_RETURN}
    if deciding and batch_state is not None and BatchState(batch_state) not in DECIDING_BATCH_STATES:
        return f"该批次当前不能审核（当前状态：{BatchState(batch_state).label}）"
    return None


def batch_refusal(state: str, action: Action) -> str | None:
    """Why `action` does not apply to a batch in `state`; None if it does."""
    try:
        next_batch_state(BatchState(state), action)
    except TransitionRefused as refused:
        return refused.message
    return None


def application_actions(status: str, role: Role = Role.FIRM, batch_state: str | None = None) -> Availability:
    return MappingProxyType(
        {
            str(name): application_refusal(status, action, batch_state)
            for name, action in APPLICATION_ROLE_ACTIONS.get(role, {}).items()
        }
    )


def batch_actions(state: str, role: Role = Role.FIRM) -> Availability:
    return MappingProxyType(
        {str(name): batch_refusal(state, action) for name, action in BATCH_ROLE_ACTIONS.get(role, {}).items()}
    )


def refusal(actions: Availability | None, name: RowAction | str) -> str | None:
    """Why `name` is not available on a row with these `actions` (a missing row or action is refused too)."""
    if actions is None:
        return NO_ROW
    if str(name) not in actions:
        return "当前不能进行此操作"
    return actions[str(name)]
