"""Routes of the simulated face-verification provider: the page behind the QR code, and its callback."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from firmdesk.domain.errors import NotFound
from firmdesk.server.api.deps import SessionDep
from firmdesk.server.api.errors import CONFLICT, INVALID, NOT_FOUND, responses
from firmdesk.server.services import face_sessions
from firmdesk.server.services.schemas import FaceResult, FaceResultRequest

router = APIRouter(prefix="/face", tags=["face"], responses=INVALID)

_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>人脸认证（模拟）</title>
<body style="font-family:sans-serif;max-width:30em;margin:2em auto">
<h1>人脸认证（模拟）</h1><p>状态：<b id="s">{status}</b></p>
<button onclick="send(true)">认证通过</button> <button onclick="send(false)">认证未通过</button>
<script>
async function send(passed) {{
  const r = await fetch(location.pathname + "/result", {{method: "POST",
    headers: {{"Content-Type": "application/json"}}, body: JSON.stringify({{passed}})}});
  const b = await r.json();
  document.getElementById("s").textContent = r.ok ? b.status : b.detail;
}}
</script></body></html>"""


_GONE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>人脸认证（模拟）</title>
<body style="font-family:sans-serif;max-width:30em;margin:2em auto">
<h1>未找到该人脸认证</h1><p>{detail}请回到申请页面重新发起人脸认证。</p></body></html>"""

_PAGE_RESPONSES: dict[int | str, dict[str, object]] = {
    404: {"description": "No such face-verification session: a page saying so", "content": {"text/html": {}}},
}


@router.get("/{token}", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def face_page(session: SessionDep, token: str) -> HTMLResponse:
    """The page the QR code opens (simulated provider): two buttons, pass or fail. A page also when not found:
    a phone's browser opened it."""
    try:
        face = face_sessions.find_by_token(session, token)
    except NotFound as error:
        return HTMLResponse(_GONE.format(detail=escape(error.message) + "。"), status_code=404)
    return HTMLResponse(_PAGE.format(status=escape(face.status)))


@router.post("/{token}/result", response_model=FaceResult, responses=responses(NOT_FOUND, CONFLICT))
def face_result(session: SessionDep, token: str, body: FaceResultRequest) -> FaceResult:
    """The provider's callback (no sign-in: the token is the secret). Passing submits to the firm."""
    return face_sessions.resolve(session, token, body.passed)
