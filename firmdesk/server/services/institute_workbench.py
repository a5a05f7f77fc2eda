"""Look-ups the institute's workbench needs beside the institute's use cases (institute_*.py): written here, by
the workbench, where no use case existed yet; the API has no route for them (its callers know the ids)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firmdesk.domain.errors import NotFound
from firmdesk.server.db.models import Application, Cpa, Firm, Institute


def current_application(session: Session, institute: Institute, cert_no: str) -> Application:
    """The current year's application of the institute's CPA with certificate number `cert_no` (e.g. the draft a
    线下人工核验 is recorded for); another institute's CPA is not found, as an unknown one."""
    number = cert_no.strip()
    found = session.scalar(
        select(Application)
        .join(Cpa, Cpa.id == Application.cpa_id)
        .join(Firm, Firm.id == Application.firm_id)
        .where(Cpa.cert_no == number, Firm.institute_id == institute.id, Application.year == institute.current_year)
    )
    if found is None:
        raise NotFound(
            f"未找到证书编号为 {number} 的注册会计师的 {institute.current_year} 年度年检申请"
            "（注册会计师须先新建申请并上传材料）",
            cert_no=number,
        )
    return found
