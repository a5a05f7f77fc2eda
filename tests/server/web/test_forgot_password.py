"""忘记密码 in the portal: in Chromium at both sizes (the code read from a real SMTP server), with axe on every
step; over HTTP: the same page whether or not the account exists, CSRF, wrong codes and mismatched passwords."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from firmdesk.server.config import Settings
from firmdesk.server.db.models import Cpa
from tests.helpers.browser import assert_accessible, screenshot
from tests.helpers.mail import OutboxProbe, SmtpRecorder, with_smtp
from tests.helpers.portal_world import form_token

NEW_PASSWORD = "xinmima2025"


def _code(probe: OutboxProbe, settings: Settings, smtp: SmtpRecorder) -> str:
    probe.deliverer(with_smtp(settings, smtp)).deliver_due()
    found = re.search(r"验证码为：(\d{6})", smtp.messages[-1].get_content())
    assert found is not None
    return found.group(1)


@pytest.fixture
def cpa_with_email(portal_cpa: Cpa, outbox_probe: OutboxProbe) -> Cpa:
    outbox_probe.set_email(portal_cpa, "liming001@example.com")
    return portal_cpa


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_a_cpa_resets_the_password_with_the_code_from_the_mail(
    kind: str,
    cpa_with_email: Cpa,
    outbox_probe: OutboxProbe,
    smtp_server: SmtpRecorder,
    server_settings: Settings,
    request: pytest.FixtureRequest,
) -> None:
    page: Page = request.getfixturevalue(f"{kind}_page")
    page.goto("/cpa/")
    page.get_by_role("link", name="忘记密码").click()
    expect(page.get_by_role("heading", name="忘记密码")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "forgot-password-ask")

    page.get_by_label("证书编号").fill(cpa_with_email.cert_no)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("heading", name="设置新密码")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("若该账户登记了邮箱，验证码已发送")
    assert_accessible(page)
    code = _code(outbox_probe, server_settings, smtp_server)

    page.get_by_label("验证码").fill("000000" if code != "000000" else "111111")
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="重置密码").click()
    expect(page.get_by_role("alert")).to_contain_text("验证码错误或已失效")
    expect(page.locator("#code-error")).to_contain_text("验证码错误或已失效")
    assert_accessible(page)
    screenshot(page, "forgot-password-confirm-error")

    page.get_by_label("验证码").fill(code)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    screenshot(page, "forgot-password-confirm")
    page.get_by_role("button", name="重置密码").click()
    expect(page.get_by_role("heading", name="密码已重置")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "forgot-password-done")

    page.get_by_role("link", name="返回登录").click()
    page.get_by_label("证书编号").fill(cpa_with_email.cert_no)
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="您好，李明")).to_be_visible()


def test_the_page_is_the_same_whether_or_not_the_account_exists(
    web_client: httpx.Client, cpa_with_email: Cpa, outbox_probe: OutboxProbe
) -> None:
    def ask(member_no: str) -> httpx.Response:
        token = form_token(web_client, "/cpa/forgot-password")
        return web_client.post("/cpa/forgot-password", data={"member_no": member_no, "csrf_token": token})

    known, unknown = ask(cpa_with_email.cert_no), ask("500199999999")
    assert known.status_code == unknown.status_code == 200
    varying = [
        r'value="[^"]+"',
        r'content="[^"]+"',
        r">[0-9a-f]{32}<",
        re.escape(cpa_with_email.cert_no),
        "500199999999",
    ]
    strip = re.compile("|".join(varying))  # tokens, the request id and the number typed
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    assert [m.to_address for m in outbox_probe.mails()] == ["liming001@example.com"]


def test_a_form_without_its_csrf_token_is_refused(web_client: httpx.Client, cpa_with_email: Cpa) -> None:
    web_client.get("/cpa/forgot-password")
    answer = web_client.post("/cpa/forgot-password", data={"member_no": cpa_with_email.cert_no})
    assert answer.status_code == 403
    assert "安全校验未通过" in answer.text


def test_mismatched_new_passwords_are_shown_next_to_the_field(web_client: httpx.Client, cpa_with_email: Cpa) -> None:
    token = form_token(web_client, "/cpa/forgot-password")
    data = {
        "member_no": cpa_with_email.cert_no,
        "code": "123456",
        "new_password": NEW_PASSWORD,
        "new_password_again": "other-password-1",
        "csrf_token": token,
    }
    answer = web_client.post("/cpa/forgot-password/confirm", data=data)
    assert answer.status_code == 422
    assert "两次输入的新密码不一致" in answer.text
    assert 'id="new_password_again-error"' in answer.text
