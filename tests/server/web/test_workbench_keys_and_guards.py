"""The workbench in Chromium: files previewed in the page, review by keyboard, one decision from two tabs,
forms without their CSRF token, and an institute that sees only its own firms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from playwright.sync_api import Page, expect

from tests.helpers.browser import PageKind, assert_accessible
from tests.helpers.institute_world import Provinces
from tests.helpers.server import INSTITUTE_PASSWORD
from tests.helpers.workbench import ReviewBatch, decision_count, shot, sign_in_institute


def test_pdf_and_images_are_previewed_inline(desktop_page: Page, review_batch: ReviewBatch) -> None:
    page = desktop_page
    sign_in_institute(page, then=f"/institute/batches/{review_batch.batch_id}")
    frame = page.locator("iframe.preview-pdf").first
    expect(frame).to_have_attribute("title", re.compile("社保证明材料"))
    image = page.locator("img.preview-image").first
    expect(image).to_have_attribute("alt", re.compile("社保缴费截图"))
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth === 240", arg=image.element_handle())

    for element, kind in ((frame, "application/pdf"), (image, "image/png")):
        answer = page.request.get(element.get_attribute("src") or "")
        assert answer.status == 200
        assert answer.headers["content-type"] == kind
        assert answer.headers["content-disposition"].startswith("inline;")
        assert answer.headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in answer.headers["content-security-policy"]
    # The PDF is shown inside the page's frame (Chromium's viewer), not offered as a download.
    page.wait_for_function(
        "f => f.contentDocument === null || f.contentDocument.contentType === 'application/pdf'",
        arg=frame.element_handle(),
    )
    download = page.request.get(page.locator("a.material-link").first.get_attribute("href") or "")
    assert download.headers["content-disposition"].startswith("attachment;")


def test_a_batch_reviewed_from_the_keyboard(
    desktop_page: Page, provinces: Provinces, review_batch: ReviewBatch
) -> None:
    page = desktop_page
    sign_in_institute(page, then=f"/institute/batches/{review_batch.batch_id}")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_have_attribute("open", "")
    expect(page.locator("#shortcuts")).to_contain_text("下一位注册会计师")
    shot(page, "batch-shortcuts", previews=True)
    page.keyboard.press("?")

    page.keyboard.press("j")
    first = page.locator(f"#cpa-{review_batch.application_ids[0]}")
    expect(first).to_be_focused()
    page.keyboard.press("a")
    expect(first.get_by_label("年检通过")).to_be_checked()
    expect(first.get_by_role("button", name="提交决定")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("已保存：张伟")

    second = page.locator(f"#cpa-{review_batch.application_ids[1]}")
    expect(second).to_be_focused()  # on to the next CPA still waiting
    page.keyboard.press("k")
    expect(first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(second).to_be_focused()
    page.keyboard.press("d")
    reason = second.get_by_label("原因")
    expect(reason).to_be_focused()
    expect(second.get_by_label("暂缓年检")).to_be_checked()
    page.keyboard.type("jk 不是快捷键")  # typing in the field is text, not navigation
    expect(reason).to_have_value("jk 不是快捷键")
    page.keyboard.press("Escape")
    expect(second).to_be_focused()
    page.keyboard.press("r")
    expect(second.get_by_label("退回")).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("status")).to_contain_text("已保存：李娜")
    expect(page.locator(f"#cpa-{review_batch.application_ids[1]} .tag")).to_have_text("地方注协退回")

    third = page.locator(f"#cpa-{review_batch.application_ids[2]}")
    expect(third).to_be_focused()
    page.keyboard.press("f")
    page.keyboard.press("Control+Enter")  # no reason: refused, the choice kept
    expect(page.get_by_role("alert")).to_contain_text("原因")
    expect(page.locator(f"#cpa-{review_batch.application_ids[2]}").get_by_label("年检不予通过")).to_be_checked()
    assert decision_count(provinces.institute(), review_batch.application_ids[2]) == 0


def test_one_decision_from_two_tabs_one_wins_the_other_is_told(
    new_page: Callable[[PageKind], Page], provinces: Provinces, review_batch: ReviewBatch
) -> None:
    first, second = new_page("desktop"), new_page("desktop")
    target = review_batch.application_ids[0]
    for page in (first, second):
        sign_in_institute(page, then=f"/institute/batches/{review_batch.batch_id}")
    one = first.locator(f"#cpa-{target}")
    one.get_by_label("暂缓年检").check()
    one.get_by_label("原因").fill("培训学时待核实")
    two = second.locator(f"#cpa-{target}")
    two.get_by_label("年检通过").check()
    one.get_by_role("button", name="提交决定").click()
    expect(first.get_by_role("status")).to_contain_text("已保存")
    two.get_by_role("button", name="提交决定").click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("该记录已被他人（或在另一个窗口中）处理")
    expect(second.locator(f"#cpa-{target} .tag")).to_have_text("暂缓年检")
    assert_accessible(second)
    shot(second, "batch-conflict", previews=True)
    assert decision_count(provinces.institute(), target) == 1


@contextmanager
def _signed_in_browser(provinces: Provinces, login: str = "50") -> Iterator[httpx.Client]:
    """A plain HTTP client signed in through the sign-in form (its cookies, no page scripts)."""
    with httpx.Client(base_url=provinces.server.base_url, timeout=30) as client:
        form = client.get("/institute/")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/institute/", data={"member_no": login, "password": INSTITUTE_PASSWORD, "csrf_token": token.group(1)}
        )
        assert answer.status_code == 303, answer.text
        yield client


def test_forms_without_the_csrf_token_are_refused(provinces: Provinces, review_batch: ReviewBatch) -> None:
    with _signed_in_browser(provinces) as browser:
        target = review_batch.application_ids[0]
        refused = browser.post(
            f"/institute/batches/{review_batch.batch_id}/applications/{target}/decision",
            data={"decision": "defer", "reason": "未带令牌"},
        )
        assert refused.status_code == 403
        assert "安全校验未通过" in refused.text
        assert "未带令牌" in refused.text  # what was typed is shown back
        wrong = browser.post(f"/institute/batches/{review_batch.batch_id}/approve-all", data={"csrf_token": "x" * 64})
        assert wrong.status_code == 403
    assert decision_count(provinces.institute(), target) == 0


def test_another_institute_sees_none_of_its_batches_or_files(
    desktop_page: Page, provinces: Provinces, review_batch: ReviewBatch
) -> None:
    own = provinces.institute()
    batch = own.get(f"/institute/batches/{review_batch.batch_id}").json()
    file_id = batch["attachments"][0]["id"]
    page = desktop_page
    sign_in_institute(page, "51")
    expect(page.locator(".queue-table")).to_have_count(0)
    page.goto(f"/institute/batches?q={review_batch.number}")
    expect(page.get_by_text("没有找到")).to_be_visible()
    for path in (
        f"/institute/batches/{review_batch.batch_id}",
        f"/institute/applications/{review_batch.application_ids[0]}",
        f"/institute/files/{file_id}/preview",
        f"/institute/files/{file_id}",
    ):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading", name="未找到该页面")).to_be_visible()
    assert_accessible(page)
    shot(page, "not-found")
    with _signed_in_browser(provinces, "51") as browser:
        target = review_batch.application_ids[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/institute/batches").text)
        assert token is not None
        answer = browser.post(
            f"/institute/batches/{review_batch.batch_id}/applications/{target}/decision",
            data={"decision": "approve", "csrf_token": token.group(1)},
        )
        assert answer.status_code == 404
    assert decision_count(own, target) == 0


def test_a_decision_form_sent_twice_acts_once(provinces: Provinces, review_batch: ReviewBatch) -> None:
    target = review_batch.application_ids[0]
    with _signed_in_browser(provinces) as browser:
        page = browser.get(f"/institute/batches/{review_batch.batch_id}").text
        form = page.split(f'action="/institute/batches/{review_batch.batch_id}/applications/{target}/decision"')[1]
        fields = dict(re.findall(r'name="(csrf_token|version|idempotency_key)" value="([^"]+)"', form)[:3])
        data = {**fields, "decision": "fail", "reason": "连续两年培训学时不足"}
        path = f"/institute/batches/{review_batch.batch_id}/applications/{target}/decision"
        answers = [browser.post(path, data=data) for _ in range(2)]
        assert [a.status_code for a in answers] == [303, 303]
    assert decision_count(provinces.institute(), target) == 1
