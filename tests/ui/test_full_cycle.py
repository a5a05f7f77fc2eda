# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""The spec's whole cycle for one CPA: the CPA's and the institute's steps through the server's command line,
the firm's through the main window's widgets (退回, 申请, 再次申请-修改附件, 审批流程)."""

from __future__ import annotations

from typing import Any

from firmdesk.domain.states import ApplicationState, BatchState, FirmTab
from firmdesk.server.cli import main as cmis
from firmdesk.services.models import CpaRow
from firmdesk.ui.dialogs.batch_dialog import PAGE_RESUBMIT, BatchDialog
from firmdesk.ui.dialogs.return_dialog import ReturnDialog
from firmdesk.ui.dialogs.submit_dialog import SubmitDialog
from firmdesk.ui.dialogs.trail_dialog import TrailDialog
from firmdesk.ui.main_window import MainWindow
from tests.helpers.main_window import (  # noqa: F401  (fixtures: a seeded demo server, the firm, its main window)
    answers,
    demo_live,
    demo_server_settings,
    desk,
    session,
    trigger,
    window,
)

CPA_PASSWORD = "cpa12345"
INSTITUTE = ["--code", "50", "--password", "demo-institute"]


def refreshed(qtbot: Any, window: MainWindow) -> None:
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        window.refresh()


def row_of(window: MainWindow, tab: FirmTab, cpa_id: int) -> CpaRow | None:
    return next((r for r in window.tabs[tab].shown_records() if r.cpa_id == cpa_id), None)


def test_a_cpa_goes_from_not_applied_to_approved(qtbot: Any, window: MainWindow, demo_live: Any) -> None:
    server = ["--server", demo_live.base_url]
    # A CPA of the firm who has not applied, whose readiness nothing should stop (hours, age).
    cpa = next(
        r
        for r in window.tabs[FirmTab.NOT_APPLIED].shown_records()
        if r.status == "none" and (r.training_hours or 0) >= 40 and r.birth_date and r.birth_date.year > 1960
    )
    as_cpa = ["cpa", *server, "--cert-no", cpa.cert_no, "--password", CPA_PASSWORD]

    # CPA: starts, uploads, passes face verification → 注师待审核.
    assert cmis([*as_cpa, "apply"]) == 0
    refreshed(qtbot, window)
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    assert row_of(window, FirmTab.PENDING_REVIEW, cpa.cpa_id) is not None

    # Firm: 退回 with a reason → 注师待申请 (事务所退回).
    pending.select_record(lambda r: r.cpa_id == cpa.cpa_id)
    dialog = trigger(qtbot, window, FirmTab.PENDING_REVIEW, "return")
    assert isinstance(dialog, ReturnDialog)
    dialog.reason_edit.setPlainText("培训学时证明缺页")
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        dialog.ok_button.click()
    returned = row_of(window, FirmTab.NOT_APPLIED, cpa.cpa_id)
    assert returned is not None and returned.status == ApplicationState.FIRM_RETURNED

    # CPA: resubmits (no face verification) → 注师待审核 again.
    assert cmis([*as_cpa, "resubmit"]) == 0
    refreshed(qtbot, window)

    # Firm: checks the CPA, 申请 with the 社保证明材料 → a batch in 已提交省注协.
    pending.uncheck_all()
    pending.model.set_checked([pending.model.records().index(row_of(window, FirmTab.PENDING_REVIEW, cpa.cpa_id))], True)
    submit = trigger(qtbot, window, FirmTab.PENDING_REVIEW, "submit")
    assert isinstance(submit, SubmitDialog)
    submit.materials.slot.pick_requested.emit()
    qtbot.waitUntil(lambda: submit.submit_button.isEnabled(), timeout=10000)
    with qtbot.waitSignal(submit.submitted, timeout=20000) as done, qtbot.waitSignal(window.data_shown, timeout=20000):
        submit.submit_button.click()
    number = done.args[0].batch.number
    submit.close()
    assert row_of(window, FirmTab.PENDING_REVIEW, cpa.cpa_id) is None
    assert number in [b.number for b in window.tabs[FirmTab.SUBMITTED].shown_records()]

    # Institute: returns the whole batch → 已退回 with the reason.
    assert cmis(["institute", *server, *INSTITUTE, "return-batch", number, "--reason", "社保证明材料与人员不符"]) == 0
    refreshed(qtbot, window)
    returned_tab = window.tabs[FirmTab.RETURNED]
    assert returned_tab.select_record(lambda b: b.number == number)
    assert returned_tab.current_record().return_reason == "社保证明材料与人员不符"

    # Firm: 再次申请-修改附件 (keeps the uploaded proof) → back in 已提交省注协.
    batch = trigger(qtbot, window, FirmTab.RETURNED, "resubmit")
    assert isinstance(batch, BatchDialog)
    qtbot.waitUntil(lambda: batch.pages.currentIndex() == PAGE_RESUBMIT, timeout=10000)
    qtbot.waitUntil(lambda: batch.confirm_resubmit_button.isEnabled(), timeout=10000)
    with qtbot.waitSignal(window.data_shown, timeout=20000):
        batch.confirm_resubmit_button.click()
    batch.close()
    again = {b.number: b for b in window.tabs[FirmTab.SUBMITTED].shown_records()}
    assert again[number].state == BatchState.SUBMITTED
    assert number not in [b.number for b in returned_tab.shown_records()]

    # Institute: approves all → 年检信息查询 shows 年检通过; the trail holds every step.
    assert cmis(["institute", *server, *INSTITUTE, "approve-all", number]) == 0
    refreshed(qtbot, window)
    approved = row_of(window, FirmTab.QUERY, cpa.cpa_id)
    assert approved is not None and approved.status == ApplicationState.APPROVED
    assert approved.batch_number == number
    query = window.tabs[FirmTab.QUERY]
    query.select_record(lambda r: r.cpa_id == cpa.cpa_id)
    trail = trigger(qtbot, window, FirmTab.QUERY, "trail")
    assert isinstance(trail, TrailDialog)
    with qtbot.waitSignal(trail.loaded, timeout=10000) as loaded:
        pass
    actions = [e.action for e in loaded.args[0]]
    for step in ("face_passed", "firm_return", "resubmit", "submit_batch", "resubmit_batch"):
        assert step in actions, (step, actions)
    assert loaded.args[0][-1].to_state == ApplicationState.APPROVED
