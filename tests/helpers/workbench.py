"""The institute's workbench in the browser: a batch to review (real PDF and PNG files from `server/samples.py`,
so previews render), signing in as institute staff, screenshots."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import httpx
import pytest

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.server.db.models import Cpa
from firmdesk.server.samples import sample_pdf, sample_png
from tests.helpers.browser import SCREENSHOTS_VARIABLE, screenshot, sign_in_through_api
from tests.helpers.institute_world import Provinces
from tests.helpers.server import INSTITUTE_PASSWORD, WORKING_MATERIALS

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOT_FOLDER = "institute"
#: How long Chromium's PDF viewer takes to draw a page in a frame (only waited for when taking screenshots).
PDF_DRAWING_MS = 3000


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
            builder.attach(application, material, f"{material}.pdf", sample_pdf(text))
    builder.attach(applications[0], "继续教育证明", "培训证书照片.png", sample_png(160, 100))
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
            ("files", ("社保证明.pdf", sample_pdf("Social security certificate"), "application/pdf")),
            ("files", ("社保缴费截图.png", sample_png(240, 140), "image/png")),
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
