"""Batch materials are checked on real files before anything is sent, then streamed with progress and cancel."""

from __future__ import annotations

import itertools
import tracemalloc
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES, SOCIAL_SECURITY_MATERIAL
from firmdesk.services.api_client import CmisClient
from firmdesk.services.errors import AttachmentRejected, Refused, UploadCancelled
from firmdesk.services.progress import TaskState
from firmdesk.services.uploads import MultipartBody, check_batch_files, check_file
from tests.helpers.files import write_exe, write_pdf, write_png
from tests.helpers.loopback import received, url_of

SOCIAL = SOCIAL_SECURITY_MATERIAL


def test_a_good_pdf_and_png_pass_with_their_types(tmp_path: Path) -> None:
    planned = check_batch_files(
        [(SOCIAL, write_pdf(tmp_path / "社保.pdf")), ("其他材料", write_png(tmp_path / "scan.png"))]
    )
    assert [(p.material, p.file_type) for p in planned] == [(SOCIAL, "pdf"), ("其他材料", "png")]
    assert planned[0].content_type == "application/pdf"


def test_a_6_mb_file_is_refused_naming_it(tmp_path: Path) -> None:
    big = write_pdf(tmp_path / "社保证明-全年.pdf", 6 * 1024 * 1024)
    with pytest.raises(AttachmentRejected) as e:
        check_batch_files([(SOCIAL, big)])
    assert "社保证明-全年.pdf" in e.value.message
    assert "5.0 MB" in e.value.message
    assert e.value.status == 413


def test_a_file_one_byte_over_5_mb_reads_larger_than_the_limit(tmp_path: Path) -> None:
    big = write_pdf(tmp_path / "社保.pdf", MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(AttachmentRejected) as e:
        check_file(SOCIAL, big)
    assert e.value.message == "文件“社保.pdf”大小为 5,242,881 字节（超出 1 字节），单个附件不能超过 5.0 MB"
    assert "大小为 5.0 MB" not in e.value.message  # not the rounded size that reads as the limit itself
    assert e.value.status == 413


def test_a_file_of_exactly_5_mb_passes(tmp_path: Path) -> None:
    check_file(SOCIAL, write_pdf(tmp_path / "a.pdf", MAX_ATTACHMENT_BYTES))


def test_a_program_renamed_pdf_is_refused_by_its_content(tmp_path: Path) -> None:
    fake = write_exe(tmp_path / "社保证明.pdf")
    with pytest.raises(AttachmentRejected) as e:
        check_batch_files([(SOCIAL, fake)])
    assert "社保证明.pdf" in e.value.message
    assert "不是支持的类型" in e.value.message


def test_eleven_files_are_refused(tmp_path: Path) -> None:
    files = [(SOCIAL if i == 0 else "其他材料", write_pdf(tmp_path / f"{i}.pdf")) for i in range(11)]
    with pytest.raises(AttachmentRejected) as e:
        check_batch_files(files)
    assert "最多 10 个文件" in e.value.message and "11" in e.value.message


def test_ten_files_pass(tmp_path: Path) -> None:
    files = [(SOCIAL if i == 0 else "其他材料", write_pdf(tmp_path / f"{i}.pdf")) for i in range(10)]
    assert len(check_batch_files(files)) == 10


def test_kept_attachments_count_towards_the_ten(tmp_path: Path) -> None:
    files = [(SOCIAL, write_pdf(tmp_path / f"{i}.pdf")) for i in range(3)]
    with pytest.raises(AttachmentRejected):
        check_batch_files(files, kept_materials=["其他材料"] * 8)


def test_the_social_security_proof_is_required(tmp_path: Path) -> None:
    with pytest.raises(AttachmentRejected) as e:
        check_batch_files([("其他材料", write_pdf(tmp_path / "a.pdf"))])
    assert SOCIAL in e.value.message


def test_a_kept_social_security_proof_is_enough(tmp_path: Path) -> None:
    check_batch_files([("其他材料", write_pdf(tmp_path / "a.pdf"))], kept_materials=[SOCIAL])


def test_missing_and_empty_files_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(AttachmentRejected, match=r"不存在\.pdf"):
        check_file(SOCIAL, tmp_path / "不存在.pdf")
    (tmp_path / "空.pdf").write_bytes(b"")
    with pytest.raises(AttachmentRejected, match=r"空\.pdf"):
        check_file(SOCIAL, tmp_path / "空.pdf")


def test_submit_checks_the_files_before_connecting(tmp_path: Path, closed_port_url: str) -> None:
    # Nothing listens at the address: a file error (not "unreachable") proves nothing was sent.
    with CmisClient(closed_port_url, retries=0) as client:
        with pytest.raises(AttachmentRejected, match=r"社保证明\.pdf"):
            client.submit_batch(2025, [1], [(SOCIAL, write_exe(tmp_path / "社保证明.pdf"))])
        with pytest.raises(AttachmentRejected, match=SOCIAL):
            client.submit_batch(2025, [1], [("其他材料", write_pdf(tmp_path / "a.pdf"))])
        with pytest.raises(Refused, match="至少选择"):
            client.submit_batch(2025, [], [(SOCIAL, write_pdf(tmp_path / "a.pdf"))])


def test_the_body_has_the_announced_length_and_the_files_bytes(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / '社保 "证明".pdf', 200_000)
    planned = check_batch_files([(SOCIAL, pdf)])
    body = MultipartBody([("year", "2025"), ("materials", SOCIAL)], [("files", planned[0])])
    data = b"".join(body.chunks())
    assert len(data) == body.length
    assert pdf.read_bytes() in data
    assert 'filename="社保 %22证明%22.pdf"'.encode() in data
    assert data.endswith(f"--{body.boundary}--\r\n".encode())


def test_upload_reports_progress_up_to_the_total(tmp_path: Path, sink: ThreadingHTTPServer) -> None:
    pdf = write_pdf(tmp_path / "社保.pdf", 3 * 1024 * 1024)
    seen: list[tuple[int, int]] = []
    with CmisClient(url_of(sink)) as client:
        client.submit_batch(
            2025, [1, 2], [(SOCIAL, pdf)], state=TaskState(lambda sent, total: seen.append((sent, total)))
        )
    total = seen[-1][1]
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    assert received(sink) == [total]


def test_upload_streams_from_disk_without_loading_the_files(tmp_path: Path, sink: ThreadingHTTPServer) -> None:
    files = [(SOCIAL if i == 0 else "其他材料", write_pdf(tmp_path / f"{i}.pdf", 5 * 1024 * 1024)) for i in range(4)]
    with CmisClient(url_of(sink)) as client:
        tracemalloc.start()
        try:
            client.submit_batch(2025, [1], files)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert received(sink)[0] > 20 * 1024 * 1024
    assert peak < 4 * 1024 * 1024  # 20 MB sent; far less held at any time


def test_cancel_stops_the_upload_midway(tmp_path: Path, sink: ThreadingHTTPServer) -> None:
    pdf = write_pdf(tmp_path / "社保.pdf", 4 * 1024 * 1024)
    state = TaskState(lambda sent, total: state.cancel() if sent > total // 4 else None)
    cancelled_before = TaskState()
    cancelled_before.cancel()

    with CmisClient(url_of(sink)) as client:
        with pytest.raises(UploadCancelled):
            client.submit_batch(2025, [1], [(SOCIAL, pdf)], state=state)
        with pytest.raises(UploadCancelled):
            client.submit_batch(2025, [1], [(SOCIAL, pdf)], state=cancelled_before)
    assert received(sink) and received(sink)[0] < 4 * 1024 * 1024
