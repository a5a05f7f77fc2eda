"""The workbench's 设置, 延期, 线下人工核验 and 统计 pages in Chromium: each saves through the institute's use
cases, keeps refused input with its message, and passes the accessibility check."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
from playwright.sync_api import Page, expect

from firmdesk.domain.states import ApplicationState
from firmdesk.server.samples import sample_pdf
from firmdesk.server.services.clock import china_today
from tests.helpers.browser import assert_accessible
from tests.helpers.institute_world import FIRST_STAFF, Provinces
from tests.helpers.server import WORKING_MATERIALS
from tests.helpers.workbench import ReviewBatch, shot, sign_in_institute


def test_settings_saved_and_refused_input_kept(desktop_page: Page, provinces: Provinces) -> None:
    page = desktop_page
    sign_in_institute(page, then="/institute/settings")
    expect(page.get_by_label("年检年度")).to_have_value("2025")
    assert_accessible(page)
    shot(page, "settings")
    page.get_by_label("最低培训学时").fill("四十")
    page.get_by_label("截止日期").fill("2020-01-01")
    page.get_by_label("在职人员需上传的材料").fill("继续教育证明\n执业情况说明\n体检报告")
    page.get_by_role("button", name="保存设置").click()
    expect(page.get_by_role("alert")).to_contain_text("最低培训学时应为 0 至 1000 之间的数字")
    expect(page.get_by_label("最低培训学时")).to_have_value("四十")
    expect(page.get_by_label("在职人员需上传的材料")).to_have_value("继续教育证明\n执业情况说明\n体检报告")
    page.get_by_label("最低培训学时").fill("36")
    page.get_by_role("button", name="保存设置").click()
    expect(page.get_by_role("alert")).to_contain_text("截止日期不能早于开始日期")
    shot(page, "settings-error")
    deadline = china_today() + timedelta(days=30)
    page.get_by_label("截止日期").fill(deadline.isoformat())
    page.get_by_role("button", name="保存设置").click()
    expect(page.get_by_role("status")).to_contain_text("设置已保存")
    config = provinces.institute().get("/institute/config").json()
    assert config["min_training_hours"] == 36
    assert config["deadline"] == deadline.isoformat()
    assert config["materials_working"] == ["继续教育证明", "执业情况说明", "体检报告"]


def test_extensions_granted_refused_and_revoked(desktop_page: Page, provinces: Provinces) -> None:
    deadline = provinces.close_window()
    page = desktop_page
    sign_in_institute(page, then="/institute/extensions")
    expect(page.get_by_text(f"截止日期为 {deadline.isoformat()}")).to_be_visible()
    page.get_by_label("注册会计师证书编号").fill("999999999999")
    page.get_by_label("延期至").fill((china_today() + timedelta(days=10)).isoformat())
    page.get_by_label("延期原因").fill("病假")
    page.get_by_role("button", name="办理延期").click()
    expect(page.get_by_role("alert")).to_contain_text("未找到注册会计师 999999999999")
    expect(page.get_by_label("延期原因")).to_have_value("病假")
    page.get_by_label("注册会计师证书编号").fill("")
    page.get_by_label("事务所编号").fill(provinces.firm.number)
    page.get_by_role("button", name="办理延期").click()
    expect(page.get_by_role("status")).to_contain_text("已办理延期")
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text("重庆山城会计师事务所")
    expect(row).to_contain_text(FIRST_STAFF)
    expect(row).to_contain_text("有效")
    assert_accessible(page)
    shot(page, "extensions")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_label("撤销原因（可不填）").fill("已按时提交")
    row.get_by_role("button", name="撤销").click()
    expect(page.get_by_role("status")).to_contain_text("已撤销延期")
    expect(page.locator("table tbody tr").first).to_contain_text("已撤销")
    assert provinces.institute().get("/institute/extensions", params={"active": "true"}).json() == []


def test_identity_check_recorded_for_a_draft(desktop_page: Page, provinces: Provinces) -> None:
    cpa = provinces.builder.cpa(provinces.firm, "欧阳护照")
    draft = provinces.builder.application(cpa, ApplicationState.DRAFT, materials=[])
    for material in WORKING_MATERIALS:
        provinces.builder.attach(draft, material, f"{material}.pdf", sample_pdf(f"CPA {cpa.cert_no}"))
    page = desktop_page
    sign_in_institute(page, then="/institute/identity-checks")
    page.get_by_label("注册会计师证书编号").fill("500100289999")
    page.get_by_label("核验证件").select_option("护照")
    page.get_by_role("button", name="记录核验").click()
    expect(page.get_by_role("alert")).to_contain_text("未找到证书编号为 500100289999")
    page.get_by_label("注册会计师证书编号").fill(cpa.cert_no)
    page.get_by_label("备注").fill("本人持护照到会核验")
    page.get_by_role("button", name="记录核验").click()
    expect(page.get_by_role("status")).to_contain_text("已记录线下人工核验")
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text("欧阳护照")
    expect(row).to_contain_text("护照")
    expect(row).to_contain_text(FIRST_STAFF)
    assert_accessible(page)
    shot(page, "identity-checks")
    review = provinces.institute().get(f"/institute/applications/{draft.id}").json()
    assert review["row"]["status"] == "pending_firm"
    row.get_by_role("link", name="欧阳护照").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("欧阳护照的2025年度年检申请")
    expect(page.locator(".review .tag")).to_have_text("待事务所审核")
    expect(page.locator(".review")).to_contain_text(f"线下人工核验：{FIRST_STAFF}")
    expect(page.locator(".trail")).to_contain_text("线下人工核验")
    assert_accessible(page)
    shot(page, "application", previews=True)
    page.go_back()
    page.get_by_label("注册会计师证书编号").fill(cpa.cert_no)
    page.get_by_role("button", name="记录核验").click()  # not a draft any more
    expect(page.get_by_role("alert")).to_be_visible()


def test_statistics_with_chart_and_excel(desktop_page: Page, provinces: Provinces, review_batch: ReviewBatch) -> None:
    provinces.institute().post(
        f"/institute/applications/{review_batch.application_ids[0]}/decision", json={"decision": "approve"}
    ).raise_for_status()
    page = desktop_page
    sign_in_institute(page, then="/institute/statistics")
    total = page.locator(".table-total")
    expect(total).to_contain_text("全省合计")
    expect(page.locator("svg.chart rect.swatch-approved")).to_have_count(2)  # the province and the firm
    expect(page.locator("svg.chart .deadline-line")).to_have_count(1)
    assert_accessible(page)
    shot(page, "statistics")
    with page.expect_download() as event:
        page.get_by_role("link", name="导出 Excel").click()
    path = event.value.path()
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
    assert sheet is not None
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert any("重庆山城会计师事务所" in str(cell) for row in values for cell in row)
