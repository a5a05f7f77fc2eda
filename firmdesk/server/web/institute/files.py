"""A material's file for the workbench: previewed inside the batch page (PDF in an <iframe>, images as <img>),
or downloaded. The institute's own firms' files only (another's: the 404 page).

The preview answer is `Content-Disposition: inline` and may be framed by this site's own pages only
(`frame-ancestors 'self'`); the file itself may run nothing (`default-src 'none'`). Types a browser cannot show
(Excel) are never sent inline."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from firmdesk.domain.errors import NotFound
from firmdesk.server.api.deps import Context
from firmdesk.server.api.files import attachment_response
from firmdesk.server.web.institute.common import WebAttachment, workbench_router
from firmdesk.server.web.session import WebInstitute

router = workbench_router()

#: File types the batch page previews, and how (`iframe` or `img`).
PREVIEWS = {"pdf": "iframe", "png": "img", "jpg": "img", "jpeg": "img"}
#: The preview's own policy: shown in a frame of this site, running nothing of its own.
PREVIEW_HEADERS = {
    "content-security-policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "object-src 'self'; frame-ancestors 'self'",
    "x-frame-options": "SAMEORIGIN",
}


@router.get("/files/{attachment_id}/preview")
def preview(request: Request, context: Context, _user: WebInstitute, attachment: WebAttachment) -> Response:
    if attachment.file_type not in PREVIEWS:
        raise NotFound("该类型的文件不能在页面中预览，请下载后查看", attachment_id=attachment.id)
    answer = attachment_response(request, context.storage, attachment)
    disposition = answer.headers.get("content-disposition")
    if disposition:
        answer.headers["content-disposition"] = disposition.replace("attachment;", "inline;", 1)
    answer.headers.update(PREVIEW_HEADERS)
    return answer


@router.get("/files/{attachment_id}")
def download(request: Request, context: Context, _user: WebInstitute, attachment: WebAttachment) -> Response:
    return attachment_response(request, context.storage, attachment)
