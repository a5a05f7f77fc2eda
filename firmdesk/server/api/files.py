"""Sending an attachment's bytes: type from the stored content, the sanitised name, sha256 as ETag."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import FileResponse

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
    name = safe_file_name(attachment.original_name)
    return FileResponse(
        path,
        media_type=ALLOWED_TYPES.get(attachment.file_type, "application/octet-stream"),
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "ETag": etag,
            "Cache-Control": "private, max-age=3600",
        },
    )
