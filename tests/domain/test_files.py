"""Attachment rules: the type comes from the content, never the name; sizes and names are checked for the user."""

from __future__ import annotations

import io
import zipfile

import pytest

from firmdesk.domain.errors import LimitExceeded
from firmdesk.domain.files import SNIFF_BYTES, check_attachment, safe_file_name, sniff_type
from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES
from tests.helpers.files import minimal_xlsx, real_pdf, real_png

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 64
#: An Excel 97 workbook's head: the OLE2 header, then a BIFF8 record at offset 512.
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 64


def _zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("说明.txt", "不是表格")
    return out.getvalue()


@pytest.mark.parametrize(
    ("head", "kind"),
    [(real_pdf(), "pdf"), (real_png(), "png"), (JPEG, "jpg"), (XLS, "xls"), (minimal_xlsx(), "xlsx")],
)
def test_each_allowed_type_is_recognised_from_its_first_bytes(head: bytes, kind: str) -> None:
    assert sniff_type(head[:SNIFF_BYTES]) == kind


@pytest.mark.parametrize(
    "head", [EXE, "年检材料".encode(), _zip_of_text(), b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600]
)
def test_other_content_is_no_allowed_type(head: bytes) -> None:
    assert sniff_type(head) is None


def test_a_png_named_pdf_is_a_png() -> None:
    assert check_attachment("社保证明.pdf", 1000, real_png()) == "png"


def test_a_program_named_pdf_is_refused_by_its_content() -> None:
    with pytest.raises(LimitExceeded) as refused:
        check_attachment("社保证明.pdf", 1000, EXE)
    assert refused.value.message == "文件“社保证明.pdf”的内容不是支持的类型（支持：pdf、jpg、png、xls、xlsx）"


def test_a_file_of_exactly_the_limit_is_accepted() -> None:
    assert check_attachment("大文件.pdf", MAX_ATTACHMENT_BYTES, real_pdf()) == "pdf"


def test_one_byte_over_the_limit_is_refused_with_the_exact_size() -> None:
    with pytest.raises(LimitExceeded) as refused:
        check_attachment("大文件.pdf", MAX_ATTACHMENT_BYTES + 1, real_pdf())
    assert refused.value.message == "文件“大文件.pdf”大小为 5,242,881 字节（超出 1 字节），单个附件不能超过 5.0 MB"


def test_a_file_well_over_the_limit_is_refused_with_its_rounded_size() -> None:
    with pytest.raises(LimitExceeded) as refused:
        check_attachment("扫描件.pdf", 6 * 1024 * 1024, real_pdf())
    assert refused.value.message == "文件“扫描件.pdf”大小为 6.0 MB，单个附件不能超过 5.0 MB"


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(LimitExceeded) as refused:
        check_attachment("空.pdf", 0, b"")
    assert refused.value.message == "文件“空.pdf”是空文件"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("C:\\Users\\张三\\社保证明.pdf", "社保证明.pdf"),  # a Windows path: its last part
        ("../../etc/passwd", "passwd"),  # no way out of the folder
        ('名单<1>:"终稿"?.xlsx', "名单_1___终稿__.xlsx"),  # characters Windows forbids
        ("CON.pdf", "_CON.pdf"),  # names Windows reserves, with or without an extension
        ("nul", "_nul"),
        ("LPT1.png", "_LPT1.png"),
        (" 名单. ", "名单"),  # Windows drops trailing dots and spaces
        ("", "附件"),
        ("...", "附件"),
        ("e\u0301.pdf", "\u00e9.pdf"),  # one form of é (NFC), as macOS and Windows would show it
    ],
)
def test_a_file_name_is_made_safe_to_show_and_to_save_on_windows(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_a_long_file_name_is_cut_keeping_its_extension() -> None:
    safe = safe_file_name("很长的文件名" * 40 + ".pdf")
    assert len(safe) == 120 and safe.endswith(".pdf") and safe.startswith("很长的文件名")


def test_a_name_with_nothing_left_falls_back_to_the_given_name_keeping_its_extension() -> None:
    assert safe_file_name("<>.pdf", fallback="社保证明") == "社保证明.pdf"
    assert safe_file_name("  ", fallback="社保证明") == "社保证明"
