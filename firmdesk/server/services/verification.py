"""The public verification page of a CPA's QR code: its URL (built here and nowhere else) and what it shows.

The QR token (`Cpa.qr_token`, from `security.new_token()`) is random, never changes and reveals nothing;
the page shows only what an inspection certificate shows: name, certificate number, firm, institute and
each year's result. Private data (ID number, birth date, phone, hukou, ...) is never even read here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.states import NOT_APPLIED_LABEL, ApplicationState
from firmdesk.server.db.models import Application, Cpa, Firm, Institute
from firmdesk.server.services.clock import CHINA
from firmdesk.server.services.schemas import Verification, VerificationYear

#: `Session.info` key of the public base URL of the request the session serves (see `bind_public_base_url`).
PUBLIC_BASE_URL_KEY = "cmis.public_base_url"
#: What a QR token can look like (`secrets.token_urlsafe`); anything else is unknown without a query.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")

#: Public result of each application state: in progress while with the CPA's firm or the institute;
#: a draft was never sent to anyone, so the public sees it as not applied yet.
_RESULTS: dict[ApplicationState, str] = {
    ApplicationState.DRAFT: "not_applied",
    ApplicationState.PENDING_FIRM: "in_progress",
    ApplicationState.FIRM_RETURNED: "in_progress",
    ApplicationState.SUBMITTED: "in_progress",
    ApplicationState.INSTITUTE_RETURNED: "in_progress",
    ApplicationState.APPROVED: "approved",
    ApplicationState.DEFERRED: "deferred",
    ApplicationState.FAILED: "failed",
}
RESULT_LABELS = {
    "approved": ApplicationState.APPROVED.label,  # 年检通过
    "deferred": ApplicationState.DEFERRED.label,  # 暂缓年检
    "failed": ApplicationState.FAILED.label,  # 年检不予通过
    "in_progress": "审核中",
    "not_applied": NOT_APPLIED_LABEL,  # 未申请
}
_DECIDED = frozenset({"approved", "deferred", "failed"})


def verification_url(public_base_url: str, qr_token: str) -> str:
    """The URL a CPA's QR code encodes: the server's public base URL + `/v/` + the CPA's QR token."""
    return f"{public_base_url.rstrip('/')}/v/{qr_token}"


def bind_public_base_url(session: Session, public_base_url: str) -> None:
    """Remember on a request's session the public base URL, so that the CPA rows it reads carry `qr_url`."""
    session.info[PUBLIC_BASE_URL_KEY] = public_base_url.rstrip("/")


def bound_public_base_url(session: Session) -> str | None:
    return session.info.get(PUBLIC_BASE_URL_KEY)


def public_result(state: str | None) -> str:
    return "not_applied" if state is None else _RESULTS[ApplicationState(state)]


def verification(session: Session, token: str, now: datetime) -> Verification | None:
    """The public data of the CPA with QR token `token` at `now` (naive UTC), or None if there is none."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    found = session.execute(
        select(Cpa.id, Cpa.name, Cpa.cert_no, Firm.name, Institute.name, Institute.current_year)
        .join(Firm, Firm.id == Cpa.firm_id)
        .join(Institute, Institute.id == Firm.institute_id)
        .where(Cpa.qr_token == token)
    ).one_or_none()
    if found is None:
        return None
    cpa_id, name, cert_no, firm_name, institute_name, current_year = found
    states: dict[int, tuple[str | None, datetime | None]] = {current_year: (None, None)}
    for year, state, decided_at in session.execute(
        select(Application.year, Application.state, Application.decided_at).where(Application.cpa_id == cpa_id)
    ):
        states[year] = (state, decided_at)
    return Verification(
        name=name,
        cert_no=cert_no,
        firm_name=firm_name,
        institute_name=institute_name,
        years=[_year(year, *states[year]) for year in sorted(states, reverse=True)],
        generated_at=now,
    )


def _year(year: int, state: str | None, decided_at: datetime | None) -> VerificationYear:
    result = public_result(state)
    decided = decided_at if result in _DECIDED else None
    return VerificationYear(
        year=year,
        result=result,
        result_label=RESULT_LABELS[result],
        decided_at=decided,
        decided_on=china_time(decided).date() if decided else None,
    )


def china_time(moment: datetime) -> datetime:
    """A stored naive-UTC time in China time (UTC+8)."""
    return moment.replace(tzinfo=UTC).astimezone(CHINA)
