"""The institute's workbench in the browser: a batch to review (real PDF and PNG files, so previews render),
signing in as institute staff, and files a browser can show."""

from __future__ import annotations

import os
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import httpx
import pytest

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.server.db.models import Cpa
from tests.helpers.browser import SCREENSHOTS_VARIABLE, screenshot, sign_in_through_api
from tests.helpers.institute_world import Provinces
from tests.helpers.server import INSTITUTE_PASSWORD, WORKING_MATERIALS

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOT_FOLDER = "institute"
#: How long Chromium's PDF viewer takes to draw a page in a frame (only waited for when taking screenshots).
PDF_DRAWING_MS = 3000


def real_pdf(text: str = "Social security certificate 2025") -> bytes:
    """A one-page PDF a viewer can render (a line of ASCII text)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def real_png(width: int = 160, height: int = 100) -> bytes:
    """A valid RGB PNG (a blue and white gradient) a browser decodes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes((30, (80 + y) % 256, 160 + x % 90)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def sign_in_institute(page: Page, login: str = "50", *, then: str = "/institute/batches") -> None:
    """Institute staff `login` signed in (API login → session cookie), on `then`."""
    sign_in_through_api(page, "institute", login, INSTITUTE_PASSWORD, then=then)


def shot(page: Page, name: str, *, previews: bool = False) -> None:
    """docs/screenshots/institute/<name>-desktop.png (with FIRMDESK_SCREENSHOTS=1). A page with `previews`: the
    screen as the user sees it (1366×768), once Chromium's PDF viewer has drawn the files in view."""
    if previews and os.environ.get(SCREENSHOTS_VARIABLE):
        page.wait_for_timeout(PDF_DRAWING_MS)
    screenshot(page, name, folder=SCREENSHOT_FOLDER, full_page=not previews)


@dataclass
class ReviewBatch:
    """A batch of institute 50's firm to review: three CPAs (the first with a photo besides its PDFs)."""

    batch_id: int
    number: str
    application_ids: list[int]
    cpas: list[Cpa]


def submit_review_batch(provinces: Provinces, names: tuple[str, ...] = ("张伟", "李娜", "王芳")) -> ReviewBatch:
    builder = provinces.builder
    # The last one is 72: a yellow flag (年满70周岁) the batch carries to the institute.
    births = [date(1980, 5, 1)] * (len(names) - 1) + [date(1953, 3, 9)]
    cpas = [builder.cpa(provinces.firm, name, birth_date=born) for name, born in zip(names, births, strict=True)]
    applications = [provinces.pending(cpa, materials=[]) for cpa in cpas]
    for application, cpa in zip(applications, cpas, strict=True):
        for number, material in enumerate(WORKING_MATERIALS, start=1):
            text = f"CPA {cpa.cert_no} material {number}"  # the PDF's built-in font has no Chinese
            builder.attach(application, material, f"{material}.pdf", real_pdf(text))
    builder.attach(applications[0], "继续教育证明", "培训证书照片.png", real_png())
    ids = [a.id for a in applications]
    answer = provinces.firm_client().post(
        "/firm/batches",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        data={
            "year": "2025",
            "application_ids": [str(i) for i in ids],
            "materials": [SOCIAL_SECURITY_MATERIAL, "其他材料"],
        },
        files=[
            ("files", ("社保证明.pdf", real_pdf(), "application/pdf")),
            ("files", ("社保缴费截图.png", real_png(240, 140), "image/png")),
        ],
    )
    assert answer.status_code == 201, answer.text
    batch = answer.json()["batch"]
    return ReviewBatch(batch["id"], batch["number"], ids, cpas)


@pytest.fixture
def review_batch(provinces: Provinces) -> ReviewBatch:
    return submit_review_batch(provinces)


def decision_count(client: httpx.Client, application_id: int) -> int:
    """How many decisions the trail of the application records (for exactly-once checks)."""
    trail = client.get(f"/institute/applications/{application_id}").json()["trail"]
    return sum(e["action"] in {"approve", "defer", "fail", "institute_return"} for e in trail)
