"""The actions of the firm's five tabs, declared once: key, label, what it does, when it applies, its tooltip.

`TAB_ACTIONS` lists them per tab in the order of the action bar (the right-click menu is the same list);
`install_tab_actions` puts them into the tabs' action bars. Whether a row allows an action comes from the row
itself (`row.refusal(...)`, as the server computed it from the domain); the rules here only say what must be
selected first. The handlers reach the dialogs through `TabActionContext`, never through the window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from firmdesk.domain.availability import NO_ROW, RowAction
from firmdesk.domain.states import FirmTab
from firmdesk.services.models import BatchRow, CpaRow
from firmdesk.ui.exports import TabExports
from firmdesk.ui.tabs.pending_review_tab import PendingReviewTab
from firmdesk.ui.tabs.record_tab import RecordTab
from firmdesk.ui.tabs.review_actions import ReviewActions

Tab = RecordTab[Any]

NO_CPA = "请先选中一名注册会计师"
NO_BATCH = "请先选中一个批次"
NO_ROWS_TO_RETURN = "请先勾选或选中要退回的注册会计师"
NO_ROWS_TO_SUBMIT = "请先勾选要申请的注册会计师，按空格可勾选当前行"
EMPTY_LIST = "列表为空"
NOT_APPLIED_YET = "该注师本年度尚未申请年检"


@dataclass(frozen=True)
class TabActionContext:
    """What the handlers use: the dialogs, the exports and the chosen year (not the window: the action bars
    keep the handlers, and a reference to the window from them would keep it alive)."""

    actions: ReviewActions
    exports: TabExports
    year: Callable[[], int]
    #: Why these applications cannot go in a new batch now (the institute's window, as the server told it).
    submit_window: Callable[[list[CpaRow]], str | None] = lambda rows: None


Run = Callable[[TabActionContext, Tab], None]
Check = Callable[[Tab], str | None]  # why the action does not apply now, or None


@dataclass(frozen=True)
class TabActionSpec:
    key: str
    label: str
    run: Run
    available: Check
    tooltip: str
    primary: bool = False
    needs_server: bool = False  # disabled while offline, whatever the selection
    separator_before: bool = False
    #: Also refused after the institute's deadline (the 申请 of a new batch).
    window_closes: bool = False


# -- what must be selected, and what the rows allow ------------------------------------------------------


def current_or(message: str) -> Check:
    return lambda tab: None if tab.current_record() is not None else message


def has_application(tab: Tab) -> str | None:
    row = tab.current_record()
    if row is None:
        return NO_CPA
    return None if row.application_id is not None else NOT_APPLIED_YET


def has_rows(tab: Tab) -> str | None:
    return None if tab.shown_count() else EMPTY_LIST


def first_refusal(rows: list[CpaRow], action: RowAction) -> str | None:
    """Why `action` does not apply to all of `rows` (the first refused one, named if there are several)."""
    for row in rows:
        why = row.refusal(action)
        if why is not None:
            return why if len(rows) == 1 else f"{row.name}：{why}"
    return None


def rows_to_return(tab: Tab) -> list[CpaRow]:
    """退回 / 存为草稿 act on the checked rows, else on the current one."""
    assert isinstance(tab, PendingReviewTab)
    return tab.checked_records() or [r for r in [tab.current_record()] if r is not None]


def may_return(tab: Tab) -> str | None:
    rows = rows_to_return(tab)
    return first_refusal(rows, RowAction.RETURN) if rows else NO_ROWS_TO_RETURN


def may_submit(tab: Tab) -> str | None:
    assert isinstance(tab, PendingReviewTab)
    rows = tab.checked_records()
    return first_refusal(rows, RowAction.SUBMIT) if rows else NO_ROWS_TO_SUBMIT


def batch_allows(action: RowAction) -> Check:
    def check(tab: Tab) -> str | None:
        batch: BatchRow | None = tab.current_record()
        return NO_BATCH if batch is None else batch.refusal(action)

    return check


def with_current(tab: Tab, act: Callable[[Any], object]) -> None:
    record = tab.current_record()
    if record is not None:
        act(record)


# -- the actions -------------------------------------------------------------------------------------


def _review(ctx: TabActionContext, tab: Tab) -> None:
    assert isinstance(tab, PendingReviewTab)
    ctx.actions.review_queue(tab, ctx.year())


def _submit(ctx: TabActionContext, tab: Tab) -> None:
    assert isinstance(tab, PendingReviewTab)
    ctx.actions.submit(tab.checked_records(), ctx.year())


EXCEL = TabActionSpec(
    "excel",
    "导出 Excel",
    lambda ctx, tab: ctx.exports.export_excel(tab),
    has_rows,
    "按当前筛选和排序导出表格中显示的列和行",
    separator_before=True,
)
TRAIL = TabActionSpec(
    "trail",
    "审批流程",
    lambda ctx, tab: with_current(tab, ctx.actions.trail),
    has_application,
    "查看审批流程（也可点击“审批状态”）",
)
CPA_ATTACHMENTS = TabActionSpec(
    "attachments",
    "附件",
    lambda ctx, tab: with_current(tab, ctx.actions.attachments),
    has_application,
    "查看当前注师上传的附件",
)
VIEW_BATCH = TabActionSpec(
    "view",
    "查看",
    lambda ctx, tab: with_current(tab, ctx.actions.open_batch),
    current_or(NO_BATCH),
    "查看该批次的注册会计师、批次材料和审批流程",
)
BATCH_ATTACHMENTS = TabActionSpec(
    "attachments",
    "附件",
    lambda ctx, tab: with_current(tab, ctx.actions.batch_attachments),
    current_or(NO_BATCH),
    "查看该批次的批次材料（如社保证明材料）",
)

TAB_ACTIONS: Mapping[FirmTab, tuple[TabActionSpec, ...]] = {
    FirmTab.PENDING_REVIEW: (
        TabActionSpec(
            "review",
            "逐个审核",
            _review,
            current_or(NO_ROW),
            "从当前行开始逐个审核（Enter）：J/K 下一份/上一份，A 附件，R 退回，空格 标记加入申请",
        ),
        CPA_ATTACHMENTS,
        TabActionSpec(
            "return",
            "退回",
            lambda ctx, tab: ctx.actions.return_rows(rows_to_return(tab)),
            may_return,
            "退回勾选的申请（未勾选时退回当前行），须填写退回原因；离线时保存为草稿，联网后发送",
        ),
        TabActionSpec(
            "draft",
            "存为草稿",
            lambda ctx, tab: ctx.actions.draft(rows_to_return(tab)),
            may_return,
            "为勾选的申请（未勾选时为当前行）起草退回原因，保存在本机“草稿”中，稍后再发送",
        ),
        TabActionSpec(
            "submit",
            "申请",
            _submit,
            may_submit,
            "将勾选的注册会计师连同事务所批次材料提交至省注协",
            primary=True,
            needs_server=True,
            window_closes=True,
        ),
        EXCEL,
    ),
    FirmTab.NOT_APPLIED: (TRAIL, CPA_ATTACHMENTS, EXCEL),
    FirmTab.SUBMITTED: (
        VIEW_BATCH,
        TabActionSpec(
            "withdraw",
            "撤回",
            lambda ctx, tab: with_current(tab, lambda b: ctx.actions.open_batch(b, withdraw=True)),
            batch_allows(RowAction.WITHDRAW),
            "撤回该批次：其中的申请回到“注师待审核”，可重新提交",
            needs_server=True,
        ),
        BATCH_ATTACHMENTS,
        EXCEL,
    ),
    FirmTab.RETURNED: (
        VIEW_BATCH,
        TabActionSpec(
            "resubmit",
            "再次申请-修改附件",
            lambda ctx, tab: with_current(tab, lambda b: ctx.actions.open_batch(b, resubmit=True)),
            batch_allows(RowAction.RESUBMIT),
            "查看退回原因，修改批次材料后再次提交省注协",
            primary=True,
            needs_server=True,
        ),
        BATCH_ATTACHMENTS,
        EXCEL,
    ),
    FirmTab.QUERY: (
        TRAIL,
        CPA_ATTACHMENTS,
        TabActionSpec(
            "qr",
            "二维码",
            lambda ctx, tab: with_current(tab, ctx.actions.qr),
            current_or(NO_CPA),
            "查看、复制、保存当前注师的年检二维码",
        ),
        TabActionSpec(
            "bulk_qr",
            "批量下载二维码",
            lambda ctx, tab: ctx.exports.bulk_qr(tab),
            has_rows,
            "所选或当前列表全部注师的二维码，保存到文件夹或 .zip",
            separator_before=True,
        ),
        TabActionSpec(
            "labels",
            "打印标签",
            lambda ctx, tab: ctx.exports.print_labels(tab),
            has_rows,
            "所选或当前列表全部注师的二维码标签，排成 A4 PDF 以便打印裁切",
        ),
        EXCEL,
    ),
}

#: The action Enter triggers in a tab's table (else Enter opens the row, as a double-click does).
ENTER_ACTIONS: Mapping[FirmTab, str] = {FirmTab.PENDING_REVIEW: "review"}


def _available(context: TabActionContext, spec: TabActionSpec, tab: Tab) -> str | None:
    why = spec.available(tab)
    if why is None and spec.window_closes:
        assert isinstance(tab, PendingReviewTab)
        return context.submit_window(tab.checked_records())
    return why


def install_tab_actions(tabs: Mapping[FirmTab, Tab], context: TabActionContext) -> None:
    """Fill each tab's action bar (and so its right-click menu) from `TAB_ACTIONS`."""
    for firm_tab, tab in tabs.items():
        bar = tab.action_bar
        for spec in TAB_ACTIONS[firm_tab]:
            if spec.separator_before:
                bar.addSeparator()
            bar.add(
                spec.key,
                spec.label,
                lambda spec=spec, tab=tab: spec.run(context, tab),
                available=lambda spec=spec, tab=tab: _available(context, spec, tab),
                tooltip=spec.tooltip,
                primary=spec.primary,
                needs_server=spec.needs_server,
            )
        enter = ENTER_ACTIONS.get(firm_tab)
        if enter is not None:
            tab.enter_action = bar.action(enter)
