"""The whole cycle with a browser on the CPA's side (issue 12's main test): the CPA applies in Chromium and passes
face verification on a phone-sized second context; the firm returns the application through the desktop client's
`CmisClient`; the CPA reads the reason under 🔔 and applies again without face verification; the firm submits a
batch; the institute approves; the CPA's 年检信息查询 and QR code show 年检通过."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from firmdesk.domain.limits import FACE_SESSIONS_PER_DAY, SOCIAL_SECURITY_MATERIAL
from firmdesk.services.api_client import CmisClient
from tests.helpers.browser import PageKind, assert_accessible, sign_in_cpa
from tests.helpers.files import write_pdf
from tests.helpers.portal_apply import ApplyWorld, SampleFiles
from tests.helpers.server import FIRM_PASSWORD

REASON = "执业情况说明缺少本人签字，请补充后再次申请"


def _qr_text(page: Page) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(page.locator("svg.qr").screenshot())))
    return found.text


def _upload(page: Page, slot: int, name: str, data: bytes) -> None:
    page.set_input_files(f"#file-{slot}", files=[{"name": name, "mimeType": "application/pdf", "buffer": data}])
    page.locator(f"#slot-{slot}").get_by_role("button", name="上传").click()
    expect(page.locator(f"#slot-{slot} .file-name").last).to_have_text(name)


def test_a_cpa_applies_in_the_browser_and_the_year_ends_approved(
    apply_world: ApplyWorld,
    sample_files: SampleFiles,
    new_page: Callable[[PageKind], Page],
    tmp_path: Path,
) -> None:
    pc = new_page("desktop")
    sign_in_cpa(pc, apply_world.cpa.cert_no)
    expect(pc.locator(".tag").first).to_have_text("未申请")

    # 1. Apply: 新建申请, 确认个人信息, materials, 确认申请, 人脸认证 with the QR scanned by a phone.
    pc.get_by_role("link", name="新建申请").first.click()
    pc.get_by_role("button", name="申请年检").click()
    _upload(pc, 0, "继续教育证明.pdf", sample_files.pdf)
    _upload(pc, 1, "执业情况说明.pdf", sample_files.other_pdf)
    pc.get_by_role("link", name="确认申请").click()
    expect(pc.get_by_text("确认要申请 2025 年度年检吗？")).to_be_visible()
    pc.get_by_role("link", name="确定").click()
    expect(pc.locator(".quota-number")).to_have_text(str(FACE_SESSIONS_PER_DAY))
    pc.get_by_role("button", name="开始人脸认证").click()
    phone = new_page("phone")
    phone.goto(_qr_text(pc))  # what a phone's camera reads off the screen
    phone.get_by_role("button", name="通过", exact=True).click()
    expect(phone.locator("#face-state")).to_have_text("认证通过")
    expect(pc.get_by_role("heading", name="人脸认证通过")).to_be_visible()  # the PC page refreshed itself
    expect(pc.locator(".notice-text")).to_have_text("年检申请已提交事务所审核。")

    # 2. The firm returns it with a reason, through the desktop client's services.
    with CmisClient(apply_world.base_url) as firm:
        firm.login("firm", apply_world.firm.number, FIRM_PASSWORD)
        [row] = firm.cpas(2025, tab="pending_review").items
        assert row.name == "李明" and row.status == "pending_firm"
        firm.return_applications([(row.application_id or 0, row.version)], REASON)

        # 3. The CPA reads the reason under 🔔 and applies again, without face verification.
        pc.goto("/cpa/home")
        expect(pc.get_by_role("link", name="消息，1 条未读")).to_be_visible()
        pc.get_by_role("link", name="消息，1 条未读").click()
        pc.get_by_role("button", name="查看详情").first.click()
        expect(pc.locator(".message-body")).to_contain_text(REASON)
        pc.goto("/cpa/home")
        expect(pc.locator(".tag").first).to_have_text("事务所退回")
        pc.get_by_role("link", name="再次申请").first.click()
        expect(pc.locator(".reason")).to_contain_text(REASON)
        pc.locator("#slot-1").get_by_role("button", name="移除").click()
        _upload(pc, 1, "执业情况说明（已签字）.pdf", sample_files.other_pdf + b"signed")
        pc.get_by_role("link", name="再次申请").click()
        pc.get_by_role("button", name="再次申请").click()
        expect(pc.locator(".notification")).to_contain_text("无需再次进行人脸认证")
        assert apply_world.api().get("/cpa/face-quota").json()["remaining"] == FACE_SESSIONS_PER_DAY - 1
        assert_accessible(pc)

        # 4. The firm submits a batch; 5. the institute approves it.
        [row] = firm.cpas(2025, tab="pending_review").items
        proof = write_pdf(tmp_path / "社保缴纳证明.pdf", 20_000)
        batch = firm.submit_batch(2025, [row.application_id or 0], [(SOCIAL_SECURITY_MATERIAL, proof)]).batch
    apply_world.api("institute").post(f"/institute/batches/{batch.id}/approve-all").raise_for_status()

    # 6. 年检信息查询 and the QR code show the result.
    pc.goto("/cpa/records")
    expect(pc.locator("#results ~ table .tag").first).to_have_text("年检通过")
    pc.goto("/cpa/records/qr")
    qr_url = _qr_text(pc)
    assert qr_url == apply_world.api().get("/cpa/qr").json()["url"]
    public = httpx.get(qr_url, timeout=30)
    assert public.status_code == 200 and "李明" in public.text and "年检通过" in public.text
