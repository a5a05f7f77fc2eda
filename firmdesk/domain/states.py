"""States, roles, actions and decisions of the annual inspection, with their Chinese labels."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CPA = "cpa"
    FIRM = "firm"
    INSTITUTE = "institute"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CPA: "注册会计师",
    Role.FIRM: "会计师事务所",
    Role.INSTITUTE: "地方注协",
    Role.SYSTEM: "系统",
}


class ApplicationState(StrEnum):
    DRAFT = "draft"
    PENDING_FIRM = "pending_firm"
    FIRM_RETURNED = "firm_returned"
    SUBMITTED = "submitted"
    INSTITUTE_RETURNED = "institute_returned"
    APPROVED = "approved"
    DEFERRED = "deferred"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return APPLICATION_STATE_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_APPLICATION_STATES


APPLICATION_STATE_LABELS = {
    ApplicationState.DRAFT: "未提交",
    ApplicationState.PENDING_FIRM: "待事务所审核",
    ApplicationState.FIRM_RETURNED: "事务所退回",
    ApplicationState.SUBMITTED: "已提交省注协",
    ApplicationState.INSTITUTE_RETURNED: "地方注协退回",
    ApplicationState.APPROVED: "年检通过",
    ApplicationState.DEFERRED: "暂缓年检",
    ApplicationState.FAILED: "年检不予通过",
}

FINAL_APPLICATION_STATES = frozenset({ApplicationState.APPROVED, ApplicationState.DEFERRED, ApplicationState.FAILED})

#: Status of a CPA who has no application for the year (shown in 注师待申请).
NOT_APPLIED = "none"
NOT_APPLIED_LABEL = "未申请"


def status_label(state: str) -> str:
    """Chinese label of an application state, or of `none` (no application)."""
    return NOT_APPLIED_LABEL if state == NOT_APPLIED else ApplicationState(state).label


class BatchState(StrEnum):
    SUBMITTED = "submitted"
    REVIEWING = "reviewing"
    REVIEWED = "reviewed"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return BATCH_STATE_LABELS[self]


BATCH_STATE_LABELS = {
    BatchState.SUBMITTED: "待审核",
    BatchState.REVIEWING: "审核中",
    BatchState.REVIEWED: "已审核",
    BatchState.RETURNED: "已退回",
    BatchState.WITHDRAWN: "已撤回",
}


class FirmTab(StrEnum):
    """The firm client's five tabs; each selects applications by state."""

    PENDING_REVIEW = "pending_review"
    NOT_APPLIED = "not_applied"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    QUERY = "query"

    @property
    def label(self) -> str:
        return FIRM_TAB_LABELS[self]


FIRM_TAB_LABELS = {
    FirmTab.PENDING_REVIEW: "注师待审核",
    FirmTab.NOT_APPLIED: "注师待申请",
    FirmTab.SUBMITTED: "已提交省注协",
    FirmTab.RETURNED: "已退回",
    FirmTab.QUERY: "年检信息查询",
}


class Decision(StrEnum):
    """The institute's outcome for one CPA."""

    APPROVE = "approve"
    DEFER = "defer"
    FAIL = "fail"
    RETURN = "return"

    @property
    def label(self) -> str:
        return DECISION_LABELS[self]

    @property
    def needs_reason(self) -> bool:
        return self is not Decision.APPROVE


DECISION_LABELS = {
    Decision.APPROVE: "年检通过",
    Decision.DEFER: "暂缓年检",
    Decision.FAIL: "年检不予通过",
    Decision.RETURN: "退回",
}


class Action(StrEnum):
    """Everything that changes an application or a batch; each is recorded as an event."""

    START = "start"  # CPA starts the application (draft)
    FACE_PASSED = "face_passed"  # CPA passed face verification: goes to the firm
    FACE_FAILED = "face_failed"
    RESUBMIT = "resubmit"  # CPA resubmits after a return (no face verification)
    FIRM_RETURN = "firm_return"
    SUBMIT_BATCH = "submit_batch"
    WITHDRAW_BATCH = "withdraw_batch"
    RESUBMIT_BATCH = "resubmit_batch"
    RETURN_BATCH = "return_batch"
    APPROVE = "approve"
    DEFER = "defer"
    FAIL = "fail"
    INSTITUTE_RETURN = "institute_return"
    OFFLINE_VERIFIED = "offline_verified"  # institute checked the CPA's identity in person: goes to the firm
    REINSPECT_PASS = "reinspect_pass"  # 复检 of a deferred CPA: 通过
    REINSPECT_FAIL = "reinspect_fail"  # 复检 of a deferred CPA: 不予通过
    GRANT_EXTENSION = "grant_extension"  # institute grants a firm or a CPA an extension (no state change)
    REVOKE_EXTENSION = "revoke_extension"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.START: "新建年检申请",
    Action.FACE_PASSED: "人脸认证通过，提交事务所审核",
    Action.FACE_FAILED: "人脸认证未通过",
    Action.RESUBMIT: "再次申请",
    Action.FIRM_RETURN: "事务所退回",
    Action.SUBMIT_BATCH: "提交省注协",
    Action.WITHDRAW_BATCH: "撤回",
    Action.RESUBMIT_BATCH: "再次申请-修改附件",
    Action.RETURN_BATCH: "地方注协退回批次",
    Action.APPROVE: "年检通过",
    Action.DEFER: "暂缓年检",
    Action.FAIL: "年检不予通过",
    Action.INSTITUTE_RETURN: "地方注协退回",
    Action.OFFLINE_VERIFIED: "线下人工核验通过，提交事务所审核",
    Action.REINSPECT_PASS: "复检通过",
    Action.REINSPECT_FAIL: "复检不予通过",
    Action.GRANT_EXTENSION: "地方注协批准延期",
    Action.REVOKE_EXTENSION: "地方注协撤销延期",
}

DECISION_ACTIONS = {
    Decision.APPROVE: Action.APPROVE,
    Decision.DEFER: Action.DEFER,
    Decision.FAIL: Action.FAIL,
    Decision.RETURN: Action.INSTITUTE_RETURN,
}


class ReinspectionOutcome(StrEnum):
    """The later outcome (复检) of a 暂缓年检 CPA, as provincial notices describe it."""

    PASS = "pass"
    FAIL = "fail"

    @property
    def label(self) -> str:
        return REINSPECTION_LABELS[self]

    @property
    def action(self) -> Action:
        return Action.REINSPECT_PASS if self is ReinspectionOutcome.PASS else Action.REINSPECT_FAIL


REINSPECTION_LABELS = {ReinspectionOutcome.PASS: "复检通过", ReinspectionOutcome.FAIL: "复检不予通过"}
