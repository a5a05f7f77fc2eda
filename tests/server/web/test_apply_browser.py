"""申请年检 and 人脸认证 in Chromium at 1366×768 and 390×844: every page passes axe, is photographed for the docs,
and works with scripts (drag-and-drop, progress, the page refreshing itself) and without them."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from firmdesk.domain.face_verification import FACE_SESSION_VALID_FOR
from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY
from firmdesk.server.db.models import Attachment, Cpa, FaceSession
from tests.helpers.browser import PageKind, assert_accessible, screenshot, sign_in_cpa
from tests.helpers.portal_apply import ApplyWorld, SampleFiles

_SESSION_PAGE = re.compile(r"/cpa/apply/\d+/face/\d+$")


def _file(name: str, data: bytes) -> dict[str, object]:
    return {"name": name, "mimeType": "application/octet-stream", "buffer": data}


def _upload(page: Page, slot: int, name: str, data: bytes) -> None:
    page.set_input_files(f"#file-{slot}", files=[_file(name, data)])  # type: ignore[list-item]
    page.locator(f"#slot-{slot}").get_by_role("button", name="上传").click()


def _attachment_count(world: ApplyWorld) -> int:
    with world.builder.sessions() as session:
        return session.query(Attachment).filter(Attachment.removed.is_(False)).count()


def _to_materials(page: Page, world: ApplyWorld) -> None:
    sign_in_cpa(page, world.cpa.cert_no, then="/cpa/apply")
    page.get_by_role("button", name="申请年检").click()
    expect(page.get_by_role("heading", name="上传材料")).to_be_visible()


def _qr_text(page: Page) -> str:
    image = Image.open(io.BytesIO(page.locator("svg.qr").screenshot()))
    [found] = zxingcpp.read_barcodes(image)
    return found.text


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_applying_with_face_verification_page_by_page(
    kind: PageKind, apply_world: ApplyWorld, sample_files: SampleFiles, new_page: Callable[[PageKind], Page]
) -> None:
    page = new_page(kind)
    sign_in_cpa(page, apply_world.cpa.cert_no, then="/cpa/apply")
    expect(page.get_by_role("heading", name="确认个人信息")).to_be_visible()
    expect(page.get_by_text("【2025年度年检申请提示】")).to_be_visible()
    expect(page.get_by_text("注册会计师行业统一监管平台")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "apply-start")

    page.get_by_role("button", name="申请年检").click()
    expect(page.locator(".notification")).to_contain_text("已新建年检申请")
    assert_accessible(page)
    screenshot(page, "apply-materials-empty")
    _upload(page, 0, "继续教育证明-2025.pdf", sample_files.pdf)
    expect(page.locator(".notification")).to_contain_text("文件已上传")
    _upload(page, 1, "执业情况说明（签字版）.pdf", sample_files.other_pdf)
    expect(page.locator("#slot-1 .file-name")).to_have_text("执业情况说明（签字版）.pdf")
    assert_accessible(page)
    screenshot(page, "apply-materials")

    page.get_by_role("link", name="确认申请").click()
    expect(page.get_by_text("确认要申请 2025 年度年检吗？")).to_be_visible()
    expect(page.get_by_text("线下人工核验", exact=False)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "apply-check")

    page.get_by_role("link", name="确定").click()
    expect(page.locator(".quota-number")).to_have_text(str(FACE_SESSIONS_PER_DAY))
    assert_accessible(page)
    screenshot(page, "face-start")

    page.get_by_role("button", name="开始人脸认证").click()
    expect(page).to_have_url(_SESSION_PAGE)
    expect(page.locator("[data-face-state]")).to_have_text("待认证")
    assert_accessible(page)
    screenshot(page, "face-session")
    provider_url = page.locator(".face-open a").get_attribute("href")
    assert provider_url and "/api/v1/face/" in provider_url
    if kind == "desktop":
        assert _qr_text(page) == provider_url  # the QR is the link, decoded from the pixels
        phone = new_page("phone")
        phone.goto(provider_url)
    else:
        expect(page.locator("svg.qr")).to_be_hidden()  # no QR step on a phone-sized screen
        page.get_by_role("link", name="开始人脸认证").click()
        phone = page
    expect(phone.get_by_text("模拟人脸认证服务")).to_be_visible()
    expect(phone.locator("#face-state")).to_have_text("待认证")
    assert_accessible(phone)
    if kind == "desktop":
        screenshot(phone, "face-provider")
    phone.get_by_role("button", name="通过", exact=True).click()
    expect(phone.locator("#face-state")).to_have_text("认证通过")
    assert_accessible(phone)
    if kind == "desktop":
        screenshot(phone, "face-provider-passed")
    else:
        page.go_back()
        page.go_back()
        page.reload()
    expect(page.get_by_role("heading", name="人脸认证通过")).to_be_visible()  # the desktop page refreshed itself
    expect(page.locator(".notice-text")).to_have_text("年检申请已提交事务所审核。")
    assert_accessible(page)
    screenshot(page, "face-passed")
    assert apply_world.api().get("/cpa/applications").json()[0]["status"] == "pending_firm"


def test_a_failed_verification_offers_back_and_retry(
    apply_world: ApplyWorld, desktop_page: Page, new_page: Callable[[PageKind], Page]
) -> None:
    draft = apply_world.builder.application(apply_world.cpa, "draft")
    sign_in_cpa(desktop_page, apply_world.cpa.cert_no, then=f"/cpa/apply/{draft.id}/face")
    desktop_page.get_by_role("button", name="开始人脸认证").click()
    phone = new_page("phone")
    phone.goto(str(desktop_page.locator("a.face-link").get_attribute("href")))
    phone.get_by_role("button", name="不通过").click()
    expect(phone.locator("#face-state")).to_have_text("人脸认证未通过")
    screenshot(phone, "face-provider-failed")
    expect(desktop_page.get_by_role("heading", name="人脸认证未通过")).to_be_visible()  # refreshed itself
    expect(desktop_page.get_by_role("link", name="返回")).to_be_visible()
    assert_accessible(desktop_page)
    screenshot(desktop_page, "face-failed")
    first = desktop_page.url
    desktop_page.get_by_role("button", name="重试").click()
    expect(desktop_page.locator("[data-face-state]")).to_have_text("待认证")
    assert desktop_page.url != first
    expect(desktop_page.locator(".face-side")).to_contain_text(f"今日剩余次数：{FACE_SESSIONS_PER_DAY - 2} 次")


def test_files_dropped_on_a_slot_upload_with_progress(
    apply_world: ApplyWorld, sample_files: SampleFiles, desktop_page: Page
) -> None:
    _to_materials(desktop_page, apply_world)
    desktop_page.locator("#slot-0 [data-drop-zone]").evaluate(
        """(zone, files) => {
            const transfer = new DataTransfer();
            for (const [name, text] of files) {
                transfer.items.add(new File([text], name, {type: "application/pdf"}));
            }
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
        [["第一份.pdf", sample_files.pdf.decode("latin-1")], ["第二份.pdf", sample_files.other_pdf.decode("latin-1")]],
    )
    expect(desktop_page.locator(".notification")).to_contain_text("文件已上传")
    expect(desktop_page.locator("#slot-0 .file-name")).to_have_text(["第一份.pdf", "第二份.pdf"])
    assert _attachment_count(apply_world) == 2


def test_without_scripts_a_plain_form_uploads_and_the_face_page_has_a_refresh_button(
    apply_world: ApplyWorld, sample_files: SampleFiles, chromium: Browser
) -> None:
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1366, "height": 768}, base_url=apply_world.base_url
    )
    try:
        page = context.new_page()
        _to_materials(page, apply_world)
        expect(page.locator("[data-drop-hint]").first).to_be_hidden()
        _upload(page, 0, "a.pdf", sample_files.pdf)
        _upload(page, 1, "b.pdf", sample_files.other_pdf)
        expect(page.locator(".file-name")).to_have_count(2)
        page.get_by_role("link", name="确认申请").click()
        page.get_by_role("link", name="确定").click()
        page.get_by_role("button", name="开始人脸认证").click()
        apply_world.api().post(
            f"/face/{str(page.locator('a.face-link').get_attribute('href')).rsplit('/', 1)[1]}/result",
            json={"passed": True},
        )
        expect(page.locator("[data-face-state]")).to_have_text("待认证")  # no script: it does not refresh itself
        page.get_by_role("link", name="刷新").click()
        expect(page.get_by_role("heading", name="人脸认证通过")).to_be_visible()
    finally:
        context.close()


# --- bad input in the browser ---


def test_an_oversized_file_is_refused_next_to_its_slot(
    apply_world: ApplyWorld, sample_files: SampleFiles, desktop_page: Page
) -> None:
    _to_materials(desktop_page, apply_world)
    _upload(desktop_page, 0, "扫描件.pdf", sample_files.oversized)
    expect(desktop_page.locator("#slot-0 [data-upload-error]")).to_contain_text(
        "文件“扫描件.pdf”超过 5.0 MB，单个附件不能超过 5.0 MB"
    )
    assert_accessible(desktop_page)
    screenshot(desktop_page, "apply-error-oversized")
    assert _attachment_count(apply_world) == 0


def test_a_renamed_exe_is_refused_by_its_content(
    apply_world: ApplyWorld, sample_files: SampleFiles, desktop_page: Page
) -> None:
    _to_materials(desktop_page, apply_world)
    _upload(desktop_page, 1, "执业情况说明.pdf", sample_files.exe)
    expect(desktop_page.locator("#slot-1 [data-upload-error]")).to_contain_text("的内容不是支持的类型")
    assert _attachment_count(apply_world) == 0


def test_an_eleventh_file_is_refused(apply_world: ApplyWorld, sample_files: SampleFiles, desktop_page: Page) -> None:
    _to_materials(desktop_page, apply_world)
    files = [_file(f"{n}.pdf", sample_files.pdf + str(n).encode()) for n in range(11)]
    desktop_page.set_input_files("#file-0", files=files)  # type: ignore[arg-type]
    desktop_page.locator("#slot-0").get_by_role("button", name="上传").click()
    expect(desktop_page.locator("#slot-0 [data-upload-error]")).to_contain_text("附件最多 10 个（当前 11 个）")
    assert _attachment_count(apply_world) == 10
    desktop_page.reload()
    expect(desktop_page.locator(".file-count")).to_contain_text("已达上限")


def test_an_empty_required_slot_stops_the_submission(apply_world: ApplyWorld, desktop_page: Page) -> None:
    draft = apply_world.builder.application(apply_world.cpa, "draft", materials=["继续教育证明"])
    sign_in_cpa(desktop_page, apply_world.cpa.cert_no, then=f"/cpa/apply/{draft.id}/check")
    summary = desktop_page.get_by_role("alert")
    expect(summary).to_contain_text("请上传必需材料：执业情况说明")
    expect(desktop_page.get_by_role("link", name="确定")).to_have_count(0)
    assert_accessible(desktop_page)
    screenshot(desktop_page, "apply-check-missing")
    desktop_page.goto(f"/cpa/apply/{draft.id}/face")  # and if the step is forced anyway: the use case refuses
    desktop_page.get_by_role("button", name="开始人脸认证").click()
    expect(desktop_page.get_by_role("alert")).to_contain_text("请先上传必需材料：执业情况说明")
    assert apply_world.api().get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY


def test_a_form_without_its_csrf_token_is_refused(
    apply_world: ApplyWorld, sample_files: SampleFiles, chromium: Browser
) -> None:
    context = chromium.new_context(java_script_enabled=False, base_url=apply_world.base_url)
    try:
        page = context.new_page()
        _to_materials(page, apply_world)
        page.evaluate("0")  # scripts are off for the page, but Playwright may still edit the DOM:
        page.locator("#slot-0 input[name=csrf_token]").evaluate("input => input.remove()")
        _upload(page, 0, "a.pdf", sample_files.pdf)
        expect(page.get_by_role("heading", name="安全校验未通过")).to_be_visible()
        assert _attachment_count(apply_world) == 0
    finally:
        context.close()


def test_an_expired_session_mid_flow_signs_in_again(
    apply_world: ApplyWorld, sample_files: SampleFiles, desktop_page: Page
) -> None:
    _to_materials(desktop_page, apply_world)
    apply_world.expire_sessions()
    _upload(desktop_page, 0, "a.pdf", sample_files.pdf)
    expect(desktop_page.get_by_text("登录已过期，请重新登录")).to_be_visible()
    assert _attachment_count(apply_world) == 0


def test_the_same_upload_from_two_tabs_is_stored_once(
    apply_world: ApplyWorld, sample_files: SampleFiles, desktop_page: Page
) -> None:
    _to_materials(desktop_page, apply_world)
    second = desktop_page.context.new_page()
    second.goto(desktop_page.url)
    _upload(desktop_page, 0, "a.pdf", sample_files.pdf)
    expect(desktop_page.locator(".notification")).to_contain_text("文件已上传")
    _upload(second, 0, "a.pdf", sample_files.pdf)
    expect(second.locator(".notification")).to_contain_text("未重复上传")
    assert _attachment_count(apply_world) == 1
    screenshot(second, "apply-duplicate")


def test_the_same_start_from_two_tabs_makes_one_application(apply_world: ApplyWorld, desktop_page: Page) -> None:
    sign_in_cpa(desktop_page, apply_world.cpa.cert_no, then="/cpa/apply")
    second = desktop_page.context.new_page()
    second.goto("/cpa/apply")
    desktop_page.get_by_role("button", name="申请年检").click()
    expect(desktop_page.locator(".notification")).to_contain_text("已新建年检申请")
    second.get_by_role("button", name="申请年检").click()
    expect(second.locator(".notification")).to_contain_text("未重复创建")
    assert len(apply_world.api().get("/cpa/applications").json()) == 1


# --- 再次申请 ---


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_a_returned_application_is_applied_again_without_face_verification(
    kind: PageKind, apply_world: ApplyWorld, sample_files: SampleFiles, new_page: Callable[[PageKind], Page]
) -> None:
    application = apply_world.builder.application(
        apply_world.cpa, "firm_returned", reason="执业情况说明缺少本人签字，请补充后再次申请"
    )
    page = new_page(kind)
    sign_in_cpa(page, apply_world.cpa.cert_no, then="/cpa/apply")
    expect(page.get_by_role("heading", name="再次申请 · 修改材料")).to_be_visible()
    expect(page.locator(".reason")).to_contain_text("执业情况说明缺少本人签字")
    page.locator("#slot-1").get_by_role("button", name="移除").click()
    expect(page.locator(".notification")).to_contain_text("附件已移除")
    _upload(page, 1, "执业情况说明（已签字）.pdf", sample_files.other_pdf)
    expect(page.locator("#slot-1 .file-name")).to_have_text("执业情况说明（已签字）.pdf")
    assert_accessible(page)
    screenshot(page, "resubmit-materials")
    page.get_by_role("link", name="再次申请").click()
    expect(page.get_by_text("重新提交年检时不需要再次进行人脸认证")).to_be_visible()
    expect(page.get_by_role("link", name="确定")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "resubmit-check")
    page.get_by_role("button", name="再次申请").click()
    expect(page.locator(".notification")).to_contain_text("已再次提交事务所审核，无需再次进行人脸认证")
    expect(page.locator(".tag").first).to_have_text("待事务所审核")
    assert_accessible(page)
    screenshot(page, "resubmit-done")
    view = apply_world.api().get(f"/cpa/applications/{application.id}").json()
    assert view["status"] == "pending_firm" and not any(e["action"].startswith("face") for e in view["events"])


# --- the remaining states, each through axe and photographed ---


def _session(world: ApplyWorld) -> tuple[int, dict[str, object]]:
    draft = world.builder.application(world.cpa, "draft")
    started = world.api().post(f"/cpa/applications/{draft.id}/face-sessions").json()
    return draft.id, started


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_a_failed_session_at_both_sizes(
    kind: PageKind, apply_world: ApplyWorld, new_page: Callable[[PageKind], Page]
) -> None:
    application_id, started = _session(apply_world)
    apply_world.api().post(f"/face/{started['token']}/result", json={"passed": False}).raise_for_status()
    page = new_page(kind)
    sign_in_cpa(page, apply_world.cpa.cert_no, then=f"/cpa/apply/{application_id}/face/{started['session_id']}")
    expect(page.get_by_role("heading", name="人脸认证未通过")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "face-failed")


def test_an_expired_session_on_both_sides(apply_world: ApplyWorld, desktop_page: Page, phone_page: Page) -> None:
    application_id, started = _session(apply_world)
    with apply_world.builder.sessions() as session:
        face = session.get_one(FaceSession, started["session_id"])
        face.created_at -= FACE_SESSION_VALID_FOR
        session.commit()
    sign_in_cpa(desktop_page, apply_world.cpa.cert_no, then=f"/cpa/apply/{application_id}/face/{started['session_id']}")
    expect(desktop_page.get_by_role("heading", name="人脸认证已过期")).to_be_visible()
    expect(desktop_page.get_by_role("button", name="重试")).to_be_visible()
    assert_accessible(desktop_page)
    screenshot(desktop_page, "face-expired")
    phone_page.goto(str(started["url"]))
    expect(phone_page.locator("#face-state")).to_have_text("已过期")
    expect(phone_page.get_by_role("button", name="通过", exact=True)).to_have_count(0)
    assert_accessible(phone_page)
    screenshot(phone_page, "face-provider-expired")
    phone_page.goto("/api/v1/face/no-such-token")
    expect(phone_page.get_by_role("heading", name="未找到该人脸认证")).to_be_visible()
    assert_accessible(phone_page)


def test_a_passport_holder_is_sent_to_the_institute(apply_world: ApplyWorld, desktop_page: Page) -> None:
    with apply_world.builder.sessions() as session:
        session.get_one(Cpa, apply_world.cpa.id).id_type = "护照"
        session.commit()
    draft = apply_world.builder.application(apply_world.cpa, "draft")
    sign_in_cpa(desktop_page, apply_world.cpa.cert_no, then=f"/cpa/apply/{draft.id}/check")
    expect(desktop_page.locator(".warning-strong")).to_contain_text("您的有效证件为“护照”")
    expect(desktop_page.get_by_role("link", name="确定")).to_have_count(0)
    assert_accessible(desktop_page)
    screenshot(desktop_page, "apply-check-passport")
