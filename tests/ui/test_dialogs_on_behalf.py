"""代提请 dialog against the real server: the CPA's information read-only, 在职/离退休 switching the material
slots (the 授权委托书 always among them), bad files refused by name, the upload and its cancel, the result
in the tabs; offline refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from firmdesk.services.models import CpaRow
from firmdesk.ui.dialogs.on_behalf_dialog import OnBehalfDialog
from firmdesk.ui.resources import apply_look
from firmdesk.ui.tasks import TaskRunner
from tests.helpers.dialog_world import YEAR, World, make_world
from tests.helpers.files import write_exe, write_pdf
from tests.helpers.server import RETIRED_MATERIALS, WORKING_MATERIALS

SHOTS = os.environ.get("FIRMDESK_SCREENSHOTS", "")


@pytest.fixture
def world(server_builder: Any, live_server: Any) -> Iterator[World]:
    w = make_world(server_builder, live_server, pending=1)
    w.cpas.append(w.builder.cpa(w.firm, "钱多多", retired=True))  # not applied: the one filed for
    yield w
    w.close()


def not_applied(world: World) -> CpaRow:
    return next(r for r in world.client.cpas(YEAR, tab="not_applied").items if r.name == "钱多多")


def open_dialog(qtbot: Any, world: World, runner: TaskRunner) -> OnBehalfDialog:
    dialog = OnBehalfDialog(world.client, runner, world.client.firm(), not_applied(world), YEAR)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def choose(qtbot: Any, dialog: OnBehalfDialog, material: str, path: Path) -> None:
    dialog.add_file(material, path)
    qtbot.waitUntil(lambda: material not in dialog._checking, timeout=5000)


def test_the_cpa_is_shown_read_only_and_the_status_decides_the_slots(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    assert dialog.findChild(QLabel, "onBehalfName").text() == "钱多多"
    assert dialog.retired_radio.isChecked()  # remembered from the CPA
    assert list(dialog.pick_buttons) == [*RETIRED_MATERIALS, "授权委托书"]
    assert not dialog.submit_button.isEnabled()
    assert dialog.hint_label.text() == "请上传：离退休证明、授权委托书"

    choose(qtbot, dialog, "授权委托书", write_pdf(tmp_path / "委托书.pdf"))
    dialog.working_radio.setChecked(True)
    assert list(dialog.pick_buttons) == [*WORKING_MATERIALS, "授权委托书"]
    # The letter chosen before the switch is kept.
    assert dialog.file_labels["授权委托书"].text().startswith("✓ 委托书.pdf")
    assert dialog.hint_label.text() == f"请上传：{'、'.join(WORKING_MATERIALS)}"


def test_a_bad_file_is_refused_by_name_and_the_good_one_stays(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    choose(qtbot, dialog, "授权委托书", write_pdf(tmp_path / "委托书.pdf"))
    choose(qtbot, dialog, "授权委托书", write_exe(tmp_path / "病毒.pdf"))
    assert "病毒.pdf" in dialog.banner.text()
    assert dialog.file_labels["授权委托书"].text().startswith("✓ 委托书.pdf")


def test_filing_goes_to_pending_review_marked_on_behalf(
    qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, world, runner)
    choose(qtbot, dialog, "离退休证明", write_pdf(tmp_path / "退休证.pdf"))
    choose(qtbot, dialog, "授权委托书", write_pdf(tmp_path / "委托书.pdf"))
    assert dialog.submit_button.isEnabled() and dialog.hint_label.text() == ""
    with qtbot.waitSignal(dialog.filed, timeout=15000) as filed:
        dialog.submit_button.click()
    row = filed.args[0]
    assert (row.status, row.on_behalf, row.retired) == ("pending_firm", True, True)
    assert "已进入“注师待审核”" in dialog.banner.text()
    assert not dialog.submit_button.isVisible() and dialog.close_button.text() == "完成"
    pending = [r for r in world.client.cpas(YEAR, tab="pending_review").items if r.name == "钱多多"]
    assert [r.on_behalf for r in pending] == [True]


def test_a_refusal_keeps_what_was_chosen(qtbot: Any, world: World, runner: TaskRunner, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, world, runner)
    choose(qtbot, dialog, "离退休证明", write_pdf(tmp_path / "退休证.pdf"))
    choose(qtbot, dialog, "授权委托书", write_pdf(tmp_path / "委托书.pdf"))
    world.builder.application(world.cpas[-1], "draft")  # the CPA started on their own meanwhile
    with qtbot.waitSignal(dialog.refused, timeout=15000) as refused:
        dialog.submit_button.click()
    assert refused.args[0] == "该注册会计师本年度已有年检申请，不能代提请（当前状态：未提交）"
    assert dialog.banner.text() == refused.args[0]
    assert [m for m, _ in dialog.chosen_files()] == ["离退休证明", "授权委托书"]
    assert dialog.submit_button.isVisible()


def test_offline_filing_is_refused_with_the_reason(qtbot: Any, world: World, runner: TaskRunner) -> None:
    class Offline:
        server_actions_enabled = False
        pending = None

        class state_changed:
            @staticmethod
            def connect(_slot: object) -> None:
                return None

    dialog = OnBehalfDialog(
        world.client,
        runner,
        world.client.firm(),
        not_applied(world),
        YEAR,
        sync=Offline(),  # type: ignore[arg-type]
    )
    qtbot.addWidget(dialog)
    assert not dialog.submit_button.isEnabled()
    assert dialog.hint_label.text() == "离线状态下不能代提请，请联网后再试"


@pytest.mark.skipif(not SHOTS, reason="set FIRMDESK_SCREENSHOTS=<folder> to take the screenshots")
def test_screenshot_of_the_on_behalf_dialog(
    qtbot: Any, qapp: Any, world: World, runner: TaskRunner, tmp_path: Path
) -> None:
    apply_look(qapp)
    dialog = open_dialog(qtbot, world, runner)
    choose(qtbot, dialog, "离退休证明", write_pdf(tmp_path / "退休证明-钱多多.pdf"))
    choose(qtbot, dialog, "授权委托书", write_pdf(tmp_path / "授权委托书-钱多多.pdf"))
    qtbot.wait(200)
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(folder / "on_behalf_dialog.png"))
