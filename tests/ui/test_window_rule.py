# ruff: noqa: F811  (the fixtures imported from tests/helpers are parameters of the tests)
"""The desktop client follows the server's window rule: after the institute's deadline the header says so and
申请 is disabled with the domain's reason; an extension for the firm brings it back."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from firmdesk.domain.states import FirmTab
from firmdesk.server.demo import DEMO_FIRM_NUMBER, DEMO_INSTITUTE_CODE, INSTITUTE_PASSWORD
from firmdesk.server.services.clock import china_today
from firmdesk.ui.main_window import MainWindow
from tests.helpers.main_window import (  # noqa: F401  (fixtures)
    answers,
    demo_live,
    demo_server_settings,
    desk,
    session,
    window,
)
from tests.helpers.server import api_login


def _refreshed(qtbot: Any, window: MainWindow) -> None:
    """F5, until the server's new summary has arrived."""
    with qtbot.waitSignal(window.sync.summary_loaded, timeout=20000):
        window.refresh()


def test_the_header_and_the_submit_button_follow_the_window_and_the_extension(
    qtbot: Any, window: MainWindow, demo_live: Any, tmp_path: Path
) -> None:
    pending = window.tabs[FirmTab.PENDING_REVIEW]
    submit = pending.action_bar.action("submit")
    ready = next(i for i, r in enumerate(pending.shown_records()) if r.refusal("submit") is None)
    pending.model.set_checked([ready], True)
    assert submit.isEnabled()
    assert window.header.days_left_label.text().startswith("剩余 ")

    institute = api_login(demo_live.base_url, "institute", DEMO_INSTITUTE_CODE, INSTITUTE_PASSWORD)
    config = institute.get("/institute/config").json()
    deadline = china_today() - timedelta(days=2)
    closed = {
        **config,
        "deadline": deadline.isoformat(),
        "window_start": min(config["window_start"], deadline.isoformat()),
    }
    institute.put("/institute/config", json=closed).raise_for_status()
    _refreshed(qtbot, window)

    assert window.header.days_left_label.text() == "已截止 2 天，不能再提交省注协"
    assert window.header.days_left_label.property("urgency") == "over"
    pending.model.set_checked([ready], True)
    assert not submit.isEnabled()
    # docs/screenshots/window_closed.png with FIRMDESK_SCREENSHOTS=docs/screenshots (else a temporary folder)
    shots = Path(os.environ.get("FIRMDESK_SCREENSHOTS") or tmp_path)
    qtbot.wait(50)  # the header lays itself out again for its longer text
    assert window.header.days_left_label.width() >= window.header.days_left_label.sizeHint().width()
    assert window.grab().save(str(shots / "window_closed.png"))
    assert f"已于 {deadline.isoformat()} 截止，不能提交省注协" in submit.toolTip()

    until = china_today() + timedelta(days=7)
    granted = institute.post(
        "/institute/extensions",
        json={"firm_number": DEMO_FIRM_NUMBER, "until": until.isoformat(), "reason": "系统故障"},
    )
    assert granted.status_code == 201, granted.text
    _refreshed(qtbot, window)
    assert window.header.days_left_label.text() == f"已截止 2 天，已延期至 {until.isoformat()}"
    pending.model.set_checked([ready], True)
    assert submit.isEnabled(), submit.toolTip()
    institute.close()
