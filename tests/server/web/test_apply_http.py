"""申请年检 in the portal over real HTTP (httpx as the browser, no scripts): start, 离退休/在职, upload, remove, check,
再次申请; every refusal the use cases make shown on the page; a form sent twice changes things once."""

from __future__ import annotations

import re

import httpx

from firmdesk.domain.face_verification import FACE_VERIFICATION_WARNING
from firmdesk.domain.limits import MAX_APPLICATION_FILES
from firmdesk.server.db.models import Application, Attachment, Cpa
from firmdesk.server.web.cpa.once import STALE_PAGE, Done
from tests.helpers.portal_apply import ApplyWorld, SampleFiles, form_of
from tests.helpers.server import RETIRED_MATERIALS, WORKING_MATERIALS

_APP = re.compile(r"/cpa/apply/(\d+)")


def _start(browser: httpx.Client) -> tuple[int, httpx.Response]:
    page = browser.get("/cpa/apply")
    answer = browser.post("/cpa/apply", data=form_of(page.text, "/cpa/apply").fields)
    assert answer.status_code == 303, answer.text
    found = _APP.search(answer.headers["location"])
    assert found
    return int(found.group(1)), answer


def _upload(
    browser: httpx.Client, application_id: int, slot: int, name: str, data: bytes, page: str | None = None
) -> httpx.Response:
    page = page if page is not None else browser.get(f"/cpa/apply/{application_id}").text
    form = form_of(page, f"/cpa/apply/{application_id}/attachments", slot=slot)
    return browser.post(form.action, data=form.fields, files={"file": (name, data, "application/octet-stream")})


def _attachments(world: ApplyWorld, application_id: int) -> list[Attachment]:
    with world.builder.sessions() as session:
        return list(
            session.query(Attachment).filter(Attachment.application_id == application_id, Attachment.removed.is_(False))
        )


def _applications(world: ApplyWorld) -> list[Application]:
    with world.builder.sessions() as session:
        return list(session.query(Application).filter(Application.cpa_id == world.cpa.id))


def test_the_start_page_shows_the_notice_the_profile_and_where_to_change_it(apply_world: ApplyWorld) -> None:
    page = apply_world.browser().get("/cpa/apply")
    assert page.status_code == 200
    text = page.text
    assert "【2025年度年检申请提示】" in text and "请如实填写年检信息。" in text
    for label in ("姓名", "证书编号", "民族", "出生日期", "有效证件名称", "有效证件号码", "户口所在地", "政治面貌"):
        assert f"<dt>{label}</dt>" in text
    assert "李明" in text and "注册会计师行业统一监管平台" in text and "https://acc.mof.gov.cn/" in text
    assert form_of(text, "/cpa/apply").fields["year"] == "2025"


def test_applying_makes_a_draft_and_shows_the_slots_of_the_status(apply_world: ApplyWorld) -> None:
    browser = apply_world.browser()
    application_id, answer = _start(browser)
    page = browser.get(answer.headers["location"])
    assert Done.STARTED.message in page.text
    for material in WORKING_MATERIALS:
        assert material in page.text
    assert (
        "支持类型：pdf、jpg、png、xls、xlsx" in page.text
        and "不超过 5.0 MB" in page.text
        and "最多 10 个附件" in page.text
    )
    assert browser.get("/cpa/apply").headers["location"] == f"/cpa/apply/{application_id}"  # this year's, again
    assert [a.state for a in _applications(apply_world)] == ["draft"]


def test_the_same_start_form_from_two_tabs_makes_one_application(apply_world: ApplyWorld) -> None:
    first, second = apply_world.browser(), apply_world.browser()
    fields = form_of(first.get("/cpa/apply").text, "/cpa/apply").fields
    other_tab = form_of(second.get("/cpa/apply").text, "/cpa/apply").fields
    assert first.post("/cpa/apply", data=fields).status_code == 303
    again = second.post("/cpa/apply", data=other_tab)
    assert again.status_code == 303 and "done=already_started" in again.headers["location"]
    assert Done.ALREADY_STARTED.message in second.get(again.headers["location"]).text
    assert len(_applications(apply_world)) == 1


def test_choosing_retired_changes_the_required_materials(apply_world: ApplyWorld) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    page = browser.get(f"/cpa/apply/{application_id}").text
    form = form_of(page, f"/cpa/apply/{application_id}/status")
    answer = browser.post(form.action, data={**form.fields, "retired": "yes"})
    assert answer.status_code == 303
    page = browser.get(answer.headers["location"]).text
    assert Done.STATUS_SAVED.message in page and RETIRED_MATERIALS[0] in page
    assert "离退休注册会计师需上传的材料" in page
    stale = browser.post(form.action, data={**form.fields, "retired": "no"})  # the version of before
    assert stale.status_code == 409 and "该记录已被他人修改" in stale.text
    with apply_world.builder.sessions() as session:
        assert session.get_one(Cpa, apply_world.cpa.id).retired is True  # remembered for next year


def test_uploading_and_removing_a_file(apply_world: ApplyWorld, sample_files: SampleFiles) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    answer = _upload(browser, application_id, 0, "继续教育证明.pdf", sample_files.pdf)
    assert answer.status_code == 303 and "done=uploaded" in answer.headers["location"]
    page = browser.get(answer.headers["location"]).text
    assert "继续教育证明.pdf" in page and "已上传 <strong>1</strong> / 10 个附件" in page
    [attachment] = _attachments(apply_world, application_id)
    assert attachment.material == WORKING_MATERIALS[0] and attachment.file_type == "pdf"
    remove = form_of(page, f"/cpa/apply/{application_id}/attachments/{attachment.id}/remove")
    assert browser.post(remove.action, data=remove.fields).status_code == 303
    assert _attachments(apply_world, application_id) == []
    twice = browser.post(remove.action, data=remove.fields)
    assert twice.status_code == 404 and "未找到该附件" in twice.text


def test_the_same_upload_from_two_tabs_is_stored_once(apply_world: ApplyWorld, sample_files: SampleFiles) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    page = browser.get(f"/cpa/apply/{application_id}").text  # both tabs show this page
    assert _upload(browser, application_id, 0, "a.pdf", sample_files.pdf, page).status_code == 303
    again = _upload(browser, application_id, 0, "a.pdf", sample_files.pdf, page)
    assert again.status_code == 303 and "done=already_uploaded" in again.headers["location"]
    assert Done.ALREADY_UPLOADED.message in browser.get(again.headers["location"]).text
    other = _upload(browser, application_id, 0, "b.pdf", sample_files.other_pdf, page)  # another file, stale page
    assert other.status_code == 422 and STALE_PAGE in other.text
    assert len(_attachments(apply_world, application_id)) == 1


def test_bad_files_are_refused_on_the_page_with_the_use_cases_message(
    apply_world: ApplyWorld, sample_files: SampleFiles
) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    big = _upload(browser, application_id, 0, "扫描件.pdf", sample_files.oversized)
    assert big.status_code == 413
    assert "文件“扫描件.pdf”超过 5.0 MB，单个附件不能超过 5.0 MB" in big.text
    assert 'aria-invalid="true"' in big.text and 'href="#file-0"' in big.text  # summary links to the field
    exe = _upload(browser, application_id, 1, "说明.pdf", sample_files.exe)
    assert exe.status_code == 422 and "文件“说明.pdf”的内容不是支持的类型" in exe.text
    empty = browser.post(
        f"/cpa/apply/{application_id}/attachments",
        data=form_of(
            browser.get(f"/cpa/apply/{application_id}").text, f"/cpa/apply/{application_id}/attachments", slot=0
        ).fields,
    )
    assert empty.status_code == 422 and "请选择要上传的文件" in empty.text
    assert _attachments(apply_world, application_id) == []


def test_an_eleventh_file_is_refused(apply_world: ApplyWorld, sample_files: SampleFiles) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    for n in range(MAX_APPLICATION_FILES):
        assert (
            _upload(browser, application_id, n % 2, f"{n}.pdf", sample_files.pdf + str(n).encode()).status_code == 303
        )
    page = browser.get(f"/cpa/apply/{application_id}").text
    assert "已达上限" in page
    eleventh = _upload(browser, application_id, 0, "11.pdf", sample_files.other_pdf, page)
    assert eleventh.status_code == 422 and "附件最多 10 个（当前 11 个）" in eleventh.text
    assert len(_attachments(apply_world, application_id)) == MAX_APPLICATION_FILES


def test_a_script_upload_answers_json_with_the_next_key(apply_world: ApplyWorld, sample_files: SampleFiles) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    form = form_of(browser.get(f"/cpa/apply/{application_id}").text, f"/cpa/apply/{application_id}/attachments", slot=0)
    headers = {"Accept": "application/json", "X-CSRF-Token": form.fields["csrf_token"]}
    fields = {k: v for k, v in form.fields.items() if k != "csrf_token"}
    first = browser.post(form.action, data=fields, files={"file": ("a.pdf", sample_files.pdf)}, headers=headers)
    assert first.status_code == 201 and first.json()["attachment"]["original_name"] == "a.pdf"
    next_key = first.json()["upload_keys"][0]
    assert next_key != form.fields["idempotency_key"]
    second = browser.post(
        form.action,
        data={**fields, "idempotency_key": next_key},
        files={"file": ("b.exe", sample_files.exe)},
        headers=headers,
    )
    assert second.status_code == 422 and second.json()["field"] == "file-0"
    assert "的内容不是支持的类型" in second.json()["detail"]


def test_a_form_without_its_csrf_token_is_refused(apply_world: ApplyWorld, sample_files: SampleFiles) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    form = form_of(browser.get(f"/cpa/apply/{application_id}").text, f"/cpa/apply/{application_id}/attachments", slot=0)
    fields = {k: v for k, v in form.fields.items() if k != "csrf_token"}
    refused = browser.post(form.action, data=fields, files={"file": ("a.pdf", sample_files.pdf)})
    assert refused.status_code == 403 and "安全校验未通过" in refused.text
    assert _attachments(apply_world, application_id) == []


def test_an_expired_session_mid_flow_goes_to_sign_in_and_back(
    apply_world: ApplyWorld, sample_files: SampleFiles
) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    page = browser.get(f"/cpa/apply/{application_id}").text
    apply_world.expire_sessions()
    answer = _upload(browser, application_id, 0, "a.pdf", sample_files.pdf, page)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/cpa/?why=expired")
    assert "登录已过期，请重新登录" in browser.get(answer.headers["location"]).text
    assert (
        f"next=%2Fcpa%2Fapply%2F{application_id}" in answer.headers["location"]
        or "next=" not in answer.headers["location"]
    )
    assert _attachments(apply_world, application_id) == []


def test_the_check_page_lists_whats_missing_and_offers_no_face_verification(
    apply_world: ApplyWorld, sample_files: SampleFiles
) -> None:
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    _upload(browser, application_id, 0, "a.pdf", sample_files.pdf)
    page = browser.get(f"/cpa/apply/{application_id}/check").text
    assert f"请上传必需材料：{WORKING_MATERIALS[1]}" in page and "未上传" in page
    assert f'href="/cpa/apply/{application_id}/face"' not in page
    _upload(browser, application_id, 1, "b.pdf", sample_files.other_pdf)
    page = browser.get(f"/cpa/apply/{application_id}/check").text
    assert "存在以下问题" not in page
    assert FACE_VERIFICATION_WARNING in page and "确认要申请 2025 年度年检吗？" in page
    assert f'href="/cpa/apply/{application_id}/face"' in page


def test_the_question_takes_the_year_from_the_data(apply_world: ApplyWorld, sample_files: SampleFiles) -> None:
    with apply_world.builder.sessions() as session:
        cpa = session.get_one(Cpa, apply_world.cpa.id)
        session.get_one(type(apply_world.institute), apply_world.institute.id).current_year = 2026
        session.commit()
        assert cpa
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    _upload(browser, application_id, 0, "a.pdf", sample_files.pdf)
    _upload(browser, application_id, 1, "b.pdf", sample_files.other_pdf)
    page = browser.get(f"/cpa/apply/{application_id}/check").text
    assert "确认要申请 2026 年度年检吗？" in page and "2025 年度年检" not in page


def test_a_passport_holder_is_sent_to_the_institute(apply_world: ApplyWorld, sample_files: SampleFiles) -> None:
    with apply_world.builder.sessions() as session:
        session.get_one(Cpa, apply_world.cpa.id).id_type = "护照"
        session.commit()
    browser = apply_world.browser()
    application_id, _ = _start(browser)
    _upload(browser, application_id, 0, "a.pdf", sample_files.pdf)
    _upload(browser, application_id, 1, "b.pdf", sample_files.other_pdf)
    page = browser.get(f"/cpa/apply/{application_id}/check").text
    assert "您的有效证件为“护照”" in page and "线下人工核验" in page
    assert f'href="/cpa/apply/{application_id}/face"' not in page


def test_a_returned_application_is_edited_and_resubmitted_without_face_verification(
    apply_world: ApplyWorld, sample_files: SampleFiles
) -> None:
    application = apply_world.builder.application(apply_world.cpa, "firm_returned", reason="执业情况说明缺少本人签字")
    browser = apply_world.browser()
    assert browser.get("/cpa/apply").headers["location"] == f"/cpa/apply/{application.id}"
    page = browser.get(f"/cpa/apply/{application.id}").text
    assert "再次申请 · 修改材料" in page and "执业情况说明缺少本人签字" in page and "不需要再次进行人脸认证" in page
    [old] = [a for a in _attachments(apply_world, application.id) if a.material == WORKING_MATERIALS[1]]
    remove = form_of(page, f"/cpa/apply/{application.id}/attachments/{old.id}/remove")
    assert browser.post(remove.action, data=remove.fields).status_code == 303
    assert _upload(browser, application.id, 1, "签字版.pdf", sample_files.other_pdf).status_code == 303
    check = browser.get(f"/cpa/apply/{application.id}/check").text
    assert "再次申请" in check and f'href="/cpa/apply/{application.id}/face"' not in check
    fields = form_of(check, f"/cpa/apply/{application.id}/resubmit").fields
    done = browser.post(f"/cpa/apply/{application.id}/resubmit", data=fields)
    assert done.status_code == 303 and "done=resubmitted" in done.headers["location"]
    again = browser.post(f"/cpa/apply/{application.id}/resubmit", data=fields)  # the same page, second tab
    assert "done=already_resubmitted" in again.headers["location"]
    view = apply_world.api().get(f"/cpa/applications/{application.id}").json()
    assert view["status"] == "pending_firm"
    assert sum(e["action"] == "resubmit" for e in view["events"]) == 1
    assert not any(e["action"].startswith("face") for e in view["events"])
    assert apply_world.api().get("/cpa/face-quota").json()["remaining"] == 20


def test_another_cpas_application_is_not_found(apply_world: ApplyWorld) -> None:
    other = apply_world.builder.cpa(apply_world.firm, "张伟")
    application = apply_world.builder.application(other, "draft")
    browser = apply_world.browser()
    for path in (
        f"/cpa/apply/{application.id}",
        f"/cpa/apply/{application.id}/check",
        f"/cpa/apply/{application.id}/face",
    ):
        answer = browser.get(path)
        assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]
