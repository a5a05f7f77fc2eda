"""Sending an attachment's bytes: type from the stored content, always as a download (never shown inline, never
type-sniffed by a browser), the sanitised name (RFC 6266/5987: an ASCII `filename` and the UTF-8 `filename*`),
sha256 as ETag."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import object_session

from firmdesk.domain.errors import NotFound
from firmdesk.domain.files import ALLOWED_TYPES, safe_file_name
from firmdesk.server.db.models import Attachment
from firmdesk.server.storage import AttachmentStore

FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {t: {} for t in sorted(set(ALLOWED_TYPES.values()))}, "description": "The file's bytes"},
}


def attachment_response(request: Request, storage: AttachmentStore, attachment: Attachment) -> Response:
    etag = f'"{attachment.sha256}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    path = storage.path_of(attachment.sha256)
    if not path.is_file():
        raise NotFound("附件文件已丢失，请联系管理员", attachment_id=attachment.id)
    name, file_type = attachment.original_name, attachment.file_type
    session = object_session(attachment)
    if session is not None:  # the database work is done: its connection goes back before the file streams
        session.close()
    return FileResponse(
        path,
        media_type=ALLOWED_TYPES.get(file_type, "application/octet-stream"),
        headers={
            "Content-Disposition": content_disposition(name),
            "X-Content-Type-Options": "nosniff",
            "ETag": etag,
            "Cache-Control": "private, max-age=3600",
        },
    )


def content_disposition(original_name: str) -> str:
    """`attachment` with the name twice: plain ASCII for old clients (other characters as `_`), then exact."""
    name = safe_file_name(original_name)
    fallback = "".join(c if " " <= c < "\x7f" and c not in '"\\%;' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
