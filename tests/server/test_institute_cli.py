"""`firmdesk-server institute …` for the year's rules: settings, extensions, 线下人工核验, 复检, statistics."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from firmdesk.domain.states import ApplicationState
from firmdesk.server.cli import main
from firmdesk.server.services.clock import china_today
from tests.helpers.institute_world import SECOND_STAFF, SECOND_STAFF_LOGIN, Provinces
from tests.helpers.server import INSTITUTE_PASSWORD


def institute(capsys: pytest.CaptureFixture[str], world: Provinces, *argv: str, login: str = "50") -> tuple[int, str]:
    code = main(
        ["institute", "--server", world.server.base_url, "--code", login, "--password", INSTITUTE_PASSWORD, *argv]
    )
    out, err = capsys.readouterr()
    return code, out + err


def test_settings_extensions_identity_check_reinspection_and_stats(
    capsys: pytest.CaptureFixture[str], provinces: Provinces, tmp_path: Path
) -> None:
    world = provinces
    deadline = china_today() - timedelta(days=1)
    start = deadline - timedelta(days=30)
    code, out = institute(
        capsys, world, "settings", "--window-start", start.isoformat(), "--deadline", deadline.isoformat()
    )
    assert code == 0 and f"{start.isoformat()} 至 {deadline.isoformat()}" in out
    code, out = institute(capsys, world, "settings", "--deadline", (start - timedelta(days=1)).isoformat())
    assert code == 1 and "截止日期不能早于开始日期" in out

    until = (china_today() + timedelta(days=5)).isoformat()
    code, out = institute(
        capsys, world, "extend", "--firm", world.firm.number, "--until", until, "--reason", "系统故障"
    )
    assert code == 0 and "已批准延期" in out and until in out
    code, out = institute(
        capsys, world, "extend", "--firm", world.sichuan_firm.number, "--until", until, "--reason", "x"
    )
    assert code == 1 and "未找到事务所" in out
    code, out = institute(capsys, world, "extensions")
    assert code == 0 and "共 1 条延期" in out and "有效" in out
    extension_id = world.institute().get("/institute/extensions").json()[0]["id"]
    code, out = institute(capsys, world, "revoke-extension", str(extension_id), "--reason", "已补交")
    assert code == 0 and "已撤销" in out

    draft = world.builder.application(world.cpas[0], ApplicationState.DRAFT)
    code, out = institute(
        capsys, world, "identity-check", str(draft.id), "--document", "护照", login=SECOND_STAFF_LOGIN
    )
    assert code == 0 and "待事务所审核" in out and SECOND_STAFF in out
    code, out = institute(capsys, world, "identity-check", str(draft.id), "--document", "护照")
    assert code == 1 and "只有未提交的年检申请可以进行线下人工核验" in out

    sichuan = world.institute("51")
    config = sichuan.get("/institute/config").json()
    assert config["deadline"] != deadline.isoformat()  # the other institute's window is its own
    _, (deferred_id,) = world.submitted(1, world.sichuan_firm)
    sichuan.post(f"/institute/applications/{deferred_id}/decision", json={"decision": "defer", "reason": "待核实"})
    code, out = institute(capsys, world, "reinspect", str(deferred_id), "fail", login="51")
    assert code == 1 and "请填写复检意见" in out
    code, out = institute(capsys, world, "reinspect", str(deferred_id), "pass", login="51")
    assert code == 0 and "年检通过" in out
    code, out = institute(capsys, world, "reinspect", str(deferred_id), "pass")  # institute 50: not its CPA
    assert code == 1 and "未找到该年检申请" in out

    excel = tmp_path / "stats.xlsx"
    code, out = institute(capsys, world, "stats", "--excel", str(excel))
    assert code == 0 and "全省合计" in out and world.firm.number in out
    sheet = load_workbook(excel).active
    assert sheet is not None and sheet.cell(row=2, column=1).value == "事务所编号"
