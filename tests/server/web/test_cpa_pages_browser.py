"""The CPA portal's read-only pages in Chromium: 注册会计师年检申请 and 审批信息, 消息, 年检信息查询 and the QR code."""

from __future__ import annotations

import contextlib
import io
import re

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from firmdesk.server.db.models import Cpa, Firm
from firmdesk.server.runner import ServerThread
from tests.helpers.browser import assert_accessible, screenshot, sign_in_cpa
from tests.helpers.portal_world import OLD_MESSAGES, RETURN_REASON, ReturnedCpa
from tests.helpers.server import FIRM_PASSWORD, ServerBuilder, api_login

KINDS = ["desktop", "phone"]
LONG_NAME = "阿卜杜勒·热合曼·买买提依明·艾力克斯·欧阳司马上官诸葛超长姓名测试用例"
LONG_FIRM = "重庆山城两江新区长江上游经济带国际会计师事务所（特殊普通合伙）第一分所审计与鉴证业务部"


def _page(request: pytest.FixtureRequest, kind: str) -> Page:
    page: Page = request.getfixturevalue(f"{kind}_page")
    return page


@pytest.mark.parametrize("kind", KINDS)
def test_applications_filter_by_year_and_state_in_the_url(
    kind: str, returned_cpa: ReturnedCpa, request: pytest.FixtureRequest
) -> None:
    page = _page(request, kind)
    sign_in_cpa(page, returned_cpa.cert_no, then="/cpa/applications")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_role("link", name="新建申请")).to_have_attribute("href", "/cpa/apply")
    assert_accessible(page)
    screenshot(page, "applications")
    page.get_by_label("审核状态").select_option(label="事务所退回")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"/cpa/applications\?year=&state=firm_returned$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2025年度")
    page.get_by_label("审核状态").select_option(label="全部")
    page.get_by_label("年检年度").select_option(label="2024年度")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("年检通过")
    page.go_back()
    expect(rows).to_have_count(1)
    expect(page.get_by_label("审核状态")).to_have_value("firm_returned")


@pytest.mark.parametrize("kind", KINDS)
def test_the_approval_trail_shows_who_when_and_why_per_node(
    kind: str, returned_cpa: ReturnedCpa, request: pytest.FixtureRequest
) -> None:
    page = _page(request, kind)
    sign_in_cpa(page, returned_cpa.cert_no, then="/cpa/applications")
    page.get_by_role("link", name="2025年度 事务所退回，查看审批信息").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2025年度年检申请")
    expect(page.locator(".reason").first).to_contain_text(RETURN_REASON)
    expect(page.get_by_role("link", name="再次申请")).to_have_attribute("href", "/cpa/apply")
    node = page.locator("table.table").last.locator("tbody tr").filter(has_text="事务所退回").first
    details = node.get_by_text("查看详情")
    expect(node.get_by_text(RETURN_REASON)).to_be_hidden()
    details.focus()
    page.keyboard.press("Enter")  # keyboard usable: <details> opens with Enter
    expect(node.get_by_text(RETURN_REASON)).to_be_visible()
    expect(node).to_contain_text("重庆山城会计师事务所")
    assert_accessible(page)
    screenshot(page, "application")


@pytest.mark.parametrize("kind", KINDS)
def test_messages_page_through_with_more_and_reading_marks_read(
    kind: str, returned_cpa: ReturnedCpa, request: pytest.FixtureRequest
) -> None:
    page = _page(request, kind)
    total = OLD_MESSAGES + 1
    sign_in_cpa(page, returned_cpa.cert_no)
    expect(page.locator(".nav-bell .badge")).to_have_text(str(total))
    expect(page.locator(".home-messages li").first).to_contain_text("2025年度年检申请被事务所退回")
    page.get_by_role("link", name=re.compile(r"^更多\s*消息$")).click()
    items = page.locator(".message-item")
    expect(items).to_have_count(10)
    assert_accessible(page)
    screenshot(page, "messages")
    page.get_by_role("link", name="更多", exact=True).click()
    expect(items).to_have_count(total)
    expect(page.get_by_role("link", name="更多", exact=True)).to_have_count(0)
    page.get_by_role("button", name=re.compile(r"查看详情\s*：2025年度年检申请被事务所退回")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2025年度年检申请被事务所退回")
    expect(page.locator(".message-body")).to_contain_text(RETURN_REASON)
    expect(page.locator(".nav-bell .badge")).to_have_text(str(total - 1))
    assert_accessible(page)
    screenshot(page, "message")
    page.get_by_role("link", name="查看审批信息").click()
    expect(page.get_by_role("heading", name="审批信息")).to_be_visible()


@pytest.mark.parametrize("kind", KINDS)
def test_records_show_every_year_its_details_and_the_firms_qr_code(
    kind: str, returned_cpa: ReturnedCpa, live_server: ServerThread, request: pytest.FixtureRequest
) -> None:
    page = _page(request, kind)
    sign_in_cpa(page, returned_cpa.cert_no, then="/cpa/records")
    table = page.locator("table.table").first
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").nth(1)).to_contain_text("44.5")
    results = page.locator("table.table").last
    expect(results.locator("tbody tr").nth(1)).to_contain_text("年检通过")
    assert_accessible(page)
    screenshot(page, "records")
    page.get_by_role("link", name=re.compile(r"^查看\s*2024年度年检信息$")).click()
    expect(page.get_by_role("heading", name="个人信息")).to_be_visible()
    expect(page.get_by_text(returned_cpa.cert_no)).to_be_visible()
    expect(page.get_by_text("44.5 学时")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "record")
    page.go_back()
    page.get_by_role("link", name="年检二维码").click()
    qr = page.get_by_role("img", name="张晓红的年检二维码")
    png = Image.open(io.BytesIO(qr.screenshot()))
    [decoded] = [r.text for r in zxingcpp.read_barcodes(png.convert("L"))]
    with contextlib.closing(
        api_login(live_server.base_url, "firm", returned_cpa.firm_number, FIRM_PASSWORD)
    ) as firm_api:
        firm_rows = firm_api.get("/firm/cpas", params={"year": 2025}).json()["items"]
    assert decoded == next(r["qr_url"] for r in firm_rows if r["cert_no"] == returned_cpa.cert_no)
    assert httpx.get(decoded).status_code == 200  # the public page it opens
    assert_accessible(page)
    screenshot(page, "qr")


@pytest.mark.parametrize(
    "path",
    ["/cpa/home", "/cpa/applications", "/cpa/applications/{app}", "/cpa/messages", "/cpa/records", "/cpa/records/2025"],
)
def test_long_names_wrap_on_a_phone(
    path: str, phone_page: Page, returned_cpa: ReturnedCpa, server_builder: ServerBuilder
) -> None:
    with server_builder.sessions() as session:
        cpa = session.get_one(Cpa, returned_cpa.cpa.id)
        cpa.name = LONG_NAME
        session.get_one(Firm, cpa.firm_id).name = LONG_FIRM
        session.commit()
    sign_in_cpa(phone_page, returned_cpa.cert_no, then=path.format(app=returned_cpa.application_id))
    expect(phone_page.locator(".site-user-name")).to_have_text(LONG_NAME)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
