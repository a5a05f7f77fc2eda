"""审批流程 timeline against the real server: every event with who, role, action, reason and time, in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from firmdesk.ui.dialogs.trail_dialog import TrailDialog
from firmdesk.ui.formatting import datetime_text
from firmdesk.ui.tasks import TaskRunner
from tests.helpers.dialog_world import World, make_world


@pytest.fixture
def world(server_builder: Any, live_server: Any) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=1)
    yield w
    w.close()


def test_the_timeline_shows_each_event_of_the_trail(qtbot: Any, world: World, runner: TaskRunner) -> None:
    application = world.applications[0]
    world.client.return_applications([(application.id, None)], "社保证明材料不清晰\n请重新上传")
    events = world.client.trail(application.id)
    assert events  # at least the firm's return

    dialog = TrailDialog(world.client, runner, world.row_of(application))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    entries = dialog.timeline.entries
    assert [e.trail_event.id for e in entries] == [e.id for e in events]
    last = entries[-1]
    labels = {label.objectName(): label.text() for label in last.findChildren(QLabel)}
    event = events[-1]
    assert labels["timelineAction"] == event.action_label == "事务所退回"
    assert event.actor_role_label in labels["timelineActor"]
    assert (event.actor_name or "") in labels["timelineActor"]
    assert labels["timelineReason"] == "原因：社保证明材料不清晰\n请重新上传"
    assert labels["timelineTime"] == datetime_text(event.at)
    assert "事务所退回" in labels["timelineStateChange"]


def test_a_cpa_without_an_application_has_an_empty_trail(qtbot: Any, world: World, runner: TaskRunner) -> None:
    world.builder.cpa(world.firm, "没申请")
    row = next(r for r in world.client.cpas(2025).items if r.name == "没申请")
    dialog = TrailDialog(world.client, runner, row)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.timeline.entries == []
    assert dialog.timeline.findChild(QLabel, "timelineEmpty").text() == "暂无审批记录"
