"""The CPA portal in Chromium: sign in and out, the home page, accessibility and layout at both sizes."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from firmdesk.server.db.models import AuthToken, Cpa
from firmdesk.server.runner import ServerThread
from firmdesk.server.services.clock import utcnow
from tests.helpers.browser import assert_accessible, screenshot, sign_in_cpa, sign_in_cpa_with_form
from tests.helpers.portal_world import OLD_MESSAGES, ReturnedCpa
from tests.helpers.server import CPA_PASSWORD, ServerBuilder

LONG_NAME = "阿卜杜勒·热合曼·买买提依明·艾力克斯·欧阳司马上官诸葛长名字测试"


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_sign_in_page_is_accessible_and_signs_in(kind: str, portal_cpa: Cpa, request: pytest.FixtureRequest) -> None:
    page: Page = request.getfixturevalue(f"{kind}_page")
    page.goto("/cpa/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_text("注册会计师", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="忘记密码")).to_have_attribute("href", "/cpa/forgot-password")
    assert_accessible(page)
    screenshot(page, "sign-in")
    sign_in_cpa_with_form(page, portal_cpa.cert_no)
    expect(page.get_by_role("heading", name="您好，李明")).to_be_visible()
    expect(page.get_by_text("请如实填写年检信息。")).to_be_visible()
    expect(page.locator(".tag")).to_have_text("未申请")
    assert_accessible(page)
    screenshot(page, "home")


def test_wrong_password_shows_the_apis_message_in_the_error_summary(desktop_page: Page, portal_cpa: Cpa) -> None:
    desktop_page.goto("/cpa/")
    desktop_page.get_by_label("证书编号").fill(portal_cpa.cert_no)
    desktop_page.get_by_label("密码").fill("wrong")
    desktop_page.get_by_role("button", name="登录").click()
    summary = desktop_page.get_by_role("alert")
    expect(summary).to_contain_text("会员编号或密码错误")
    expect(desktop_page.get_by_label("证书编号")).to_have_value(portal_cpa.cert_no)
    assert_accessible(desktop_page)
    screenshot(desktop_page, "sign-in-error")


def test_sign_out_ends_the_session(desktop_page: Page, portal_cpa: Cpa) -> None:
    sign_in_cpa(desktop_page, portal_cpa.cert_no)
    desktop_page.get_by_role("button", name="退出登录").click()
    expect(desktop_page.get_by_role("status")).to_contain_text("您已安全退出")
    desktop_page.goto("/cpa/home")
    expect(desktop_page).to_have_url(re.compile(r"/cpa/\?why=required&next=%2Fcpa%2Fhome$"))
    expect(desktop_page.get_by_role("status")).to_contain_text("请先登录")


def test_long_names_wrap_without_horizontal_scrolling(
    phone_page: Page, live_server: ServerThread, server_builder: ServerBuilder
) -> None:
    institute = server_builder.institute()
    firm = server_builder.firm(institute)
    cpa = server_builder.cpa(firm, LONG_NAME)
    sign_in_cpa(phone_page, cpa.cert_no)
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text(LONG_NAME)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_an_expired_session_asks_to_sign_in_again_and_comes_back(
    desktop_page: Page, portal_cpa: Cpa, server_builder: ServerBuilder
) -> None:
    sign_in_cpa(desktop_page, portal_cpa.cert_no)
    with server_builder.sessions() as session:
        session.execute(update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    desktop_page.get_by_role("link", name="年检信息查询").click()
    expect(desktop_page.get_by_role("status")).to_have_text("登录已过期，请重新登录")
    desktop_page.get_by_label("证书编号").fill(portal_cpa.cert_no)
    desktop_page.get_by_label("密码").fill(CPA_PASSWORD)
    desktop_page.get_by_role("button", name="登录").click()
    expect(desktop_page).to_have_url(re.compile(r"/cpa/records$"))
    expect(desktop_page.get_by_role("heading", level=1)).to_have_text("年检信息查询")


def test_a_form_without_its_csrf_token_is_refused_with_a_chinese_page(
    desktop_page: Page, returned_cpa: ReturnedCpa
) -> None:
    sign_in_cpa(desktop_page, returned_cpa.cert_no, then="/cpa/messages")
    desktop_page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    desktop_page.get_by_role("button", name=re.compile("查看详情")).first.click()
    expect(desktop_page.get_by_role("heading", level=1)).to_have_text("安全校验未通过")
    expect(desktop_page.get_by_text("请求编号")).to_have_count(2)
    assert_accessible(desktop_page)
    screenshot(desktop_page, "csrf-refused")
    desktop_page.goto("/cpa/messages")
    expect(desktop_page.locator(".nav-bell .badge")).to_have_text(str(OLD_MESSAGES + 1))  # nothing was read


def test_the_lockout_message_is_the_apis(desktop_page: Page, portal_cpa: Cpa, live_server: ServerThread) -> None:
    desktop_page.goto("/cpa/")
    for _ in range(5):
        desktop_page.get_by_label("证书编号").fill(portal_cpa.cert_no)
        desktop_page.get_by_label("密码").fill("wrong")
        desktop_page.get_by_role("button", name="登录").click()
        expect(desktop_page.get_by_role("alert")).to_be_visible()
    login = {"user_type": "cpa", "member_no": portal_cpa.cert_no, "password": CPA_PASSWORD}
    refused = httpx.post(f"{live_server.base_url}/api/v1/auth/login", json=login)
    assert refused.status_code == 429
    expect(desktop_page.get_by_role("alert")).to_contain_text(refused.json()["detail"])
    assert_accessible(desktop_page)
    screenshot(desktop_page, "sign-in-locked")


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_an_unknown_page_is_a_chinese_404_with_the_request_id(
    kind: str, portal_cpa: Cpa, request: pytest.FixtureRequest
) -> None:
    page: Page = request.getfixturevalue(f"{kind}_page")
    answer = page.goto("/cpa/no-such-page")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("未找到该页面")
    expect(page.locator("main .mono")).to_have_text(answer.headers["x-request-id"])
    assert_accessible(page)
    screenshot(page, "not-found")


def test_the_keyboard_skips_to_the_content_and_reaches_the_menu(desktop_page: Page, portal_cpa: Cpa) -> None:
    sign_in_cpa(desktop_page, portal_cpa.cert_no)
    desktop_page.keyboard.press("Tab")
    expect(desktop_page.get_by_role("link", name="跳到主要内容")).to_be_focused()
    desktop_page.keyboard.press("Enter")
    expect(desktop_page).to_have_url(re.compile(r"/cpa/home#main$"))
    desktop_page.goto("/cpa/home")
    for _ in range(6):  # skip link, brand, 退出登录, 首页, 注册会计师年检申请, 年检信息查询
        desktop_page.keyboard.press("Tab")
    expect(desktop_page.get_by_role("link", name="年检信息查询")).to_be_focused()
    desktop_page.keyboard.press("Enter")
    expect(desktop_page.get_by_role("heading", level=1)).to_have_text("年检信息查询")
