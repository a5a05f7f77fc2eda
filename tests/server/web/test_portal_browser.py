"""The CPA portal in Chromium: sign in and out, the home page, accessibility and layout at both sizes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from firmdesk.server.db.models import Cpa
from firmdesk.server.runner import ServerThread
from tests.helpers.browser import assert_accessible, screenshot, sign_in_cpa, sign_in_cpa_with_form
from tests.helpers.server import ServerBuilder

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
