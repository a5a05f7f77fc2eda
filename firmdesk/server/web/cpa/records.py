"""年检信息查询 (`/cpa/records`): every year with 查看 (个人信息, 年检信息, 培训学时), the 年检二维码 (the same
stable URL the firm exports) and 历年年检结果 (what that QR code's public page shows)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from firmdesk.domain.errors import NotFound
from firmdesk.domain.states import NOT_APPLIED, status_label
from firmdesk.server.api.deps import PublicBaseUrl, SessionDep
from firmdesk.server.services import cpa_actions
from firmdesk.server.services.clock import utcnow
from firmdesk.server.services.verification import verification
from firmdesk.server.web.cpa.common import cpa_of, cpa_page, portal_router
from firmdesk.server.web.qr_image import qr_svg
from firmdesk.server.web.session import WebCpa

router = portal_router()


@router.get("/records", response_class=HTMLResponse)
def records(request: Request, session: SessionDep, user: WebCpa) -> HTMLResponse:
    cpa = cpa_of(user)
    profile = cpa_actions.profile(session, cpa)
    applications = {a.year: a for a in cpa_actions.list_applications(session, cpa)}
    public = verification(session, cpa.qr_token, utcnow())
    assert public is not None  # the CPA's own token
    years = sorted({y.year for y in public.years} | {int(y) for y in profile.training_hours}, reverse=True)
    rows = [
        {
            "year": year,
            "status": applications[year].status if year in applications else NOT_APPLIED,
            "status_label": applications[year].status_label if year in applications else status_label(NOT_APPLIED),
            "hours": profile.training_hours.get(str(year)),
        }
        for year in years
    ]
    return cpa_page(
        request,
        session,
        user,
        "portal/records.html",
        active="records",
        title="年检信息查询",
        rows=rows,
        results=public.years,
        generated_at=public.generated_at,
    )


@router.get("/records/qr", response_class=HTMLResponse)
def qr_code(request: Request, session: SessionDep, user: WebCpa, base_url: PublicBaseUrl) -> HTMLResponse:
    """年检二维码: `cpa_actions.qr` (the URL the firm's client exports), drawn as SVG."""
    code = cpa_actions.qr(cpa_of(user), base_url)
    image = qr_svg(code.url, label=f"{user.name}的年检二维码", size_px=240)
    return cpa_page(
        request, session, user, "portal/qr.html", active="records", title="年检二维码", qr=image, url=code.url
    )


@router.get("/records/{year}", response_class=HTMLResponse)
def record(request: Request, session: SessionDep, user: WebCpa, year: int) -> HTMLResponse:
    """查看: 个人信息, the year's 年检信息 and 培训学时."""
    cpa = cpa_of(user)
    profile = cpa_actions.profile(session, cpa)
    found = cpa_actions.list_applications(session, cpa, year=year)
    current_year = cpa_actions.notice(session, cpa).year
    if not found and str(year) not in profile.training_hours and year != current_year:
        raise NotFound(f"没有 {year} 年度的年检信息", year=year)
    return cpa_page(
        request,
        session,
        user,
        "portal/record.html",
        active="records",
        title=f"{year}年度年检信息",
        year=year,
        profile=profile,
        application=found[0] if found else None,
        not_applied=status_label(NOT_APPLIED),
        hours=profile.training_hours.get(str(year)),
    )
