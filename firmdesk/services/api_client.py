"""`CmisClient`: the firm's side of the CMIS API over httpx, blocking (the UI calls it from its worker pool).

Connection failures (nothing reached the server) are retried with exponential backoff; an answer,
even 5xx, is never retried. A change sent with an `Idempotency-Key` is also repeated, under the same key,
when its answer was lost (the connection broke or timed out after the request went out): the server
replays the first answer, so the change happens once and its success is reported as a success.
Error answers `{"detail", "code"}` become the exceptions of `errors.py`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from firmdesk.domain.errors import InvalidInput
from firmdesk.domain.materials import MISSING_SOCIAL_SECURITY
from firmdesk.domain.transitions import require_reason
from firmdesk.services.errors import (
    AccountLocked,
    AttachmentRejected,
    BadCredentials,
    InvalidServerAddress,
    NotCmisServer,
    Refused,
    ServerFailed,
    ServerUnreachable,
    SessionExpired,
    UploadCancelled,
)
from firmdesk.services.models import (
    ApplicationDetail,
    BatchDetail,
    BatchRow,
    ChangeSet,
    CpaRow,
    FirmInfo,
    FirmSummary,
    LoginResult,
    Page,
    ReadinessFlag,
    TrailEvent,
    parse_time,
)
from firmdesk.services.people import FirmAccount, OperationLogEntry
from firmdesk.services.progress import NO_STATE, ProgressState
from firmdesk.services.reminders import Contact, ReminderPreview, ReminderResult, ReminderSettings
from firmdesk.services.uploads import MultipartBody, PlannedFile, check_batch_files, check_on_behalf_files

if TYPE_CHECKING:
    from firmdesk.services.intentions import PendingActions

log = logging.getLogger(__name__)
R = TypeVar("R")

API_PREFIX = "/api/v1"
HEALTH_PATH = "/healthz"
#: Failures where the request surely did not reach the server: safe to repeat, even a POST.
RETRYABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_FALLBACK_MESSAGES = {
    403: "没有权限执行此操作",
    404: "记录不存在或无权查看",
    409: "该记录的状态已变化，请刷新后重试",
    413: "上传的文件过大",
    422: "提交的内容不正确",
    429: "请求过于频繁，请稍后再试",
}
_FALLBACK_CODES = {
    403: "forbidden",
    404: "not_found",
    409: "transition_refused",
    413: "limit_exceeded",
    422: "invalid_input",
    429: "rate_limited",
}


def normalize_server_url(url: str) -> str:
    """The server's root URL as typed by a user: scheme added if missing, no trailing `/` or `/api/v1`."""
    url = url.strip()
    if "://" not in url:
        url = f"http://{url}"
    url = url.rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    return url


def checked_server_url(url: str) -> str:
    """`normalize_server_url`, or `InvalidServerAddress` when the result is no usable http(s) address."""
    root = normalize_server_url(url)
    try:
        parsed = httpx.URL(root)
    except httpx.InvalidURL:
        raise InvalidServerAddress(url.strip()) from None
    if parsed.scheme not in ("http", "https") or not parsed.host or any(c.isspace() for c in root):
        raise InvalidServerAddress(url.strip())
    return root


def new_idempotency_key() -> str:
    """A key for one logical change; reuse it when the user repeats the same change after a failure."""
    return str(uuid.uuid4())


class RepeatKey:
    """The idempotency key of a dialog's request: the same while the user repeats the same request (after a
    lost answer, so the server acts once), a new one when the request changed (other rows, reason, files) or
    once the outcome of the last one is known (`settle`).

    With `pending` (the firm's `PendingActions`), the key is kept on disk under `action` and the request's
    `target`, so a repeat after a restart (a new dialog) still uses it."""

    def __init__(self, pending: PendingActions | None = None, action: str = "") -> None:
        self._pending = pending
        self._action = action
        self._target = ""
        self._request: Hashable | None = None
        self.key = ""  # "" until the first request

    def for_request(self, request: Hashable, target: str = "") -> str:
        if self._pending is not None:
            self._target = target
            self.key = self._pending.key_for(self._action, target, request, new_idempotency_key())
            self._request = request
        elif request != self._request:
            self._request = request
            self.key = new_idempotency_key()
        return self.key

    def settle(self) -> None:
        """The server decided (a success or a refusal): the next request is a new intention with a new key."""
        if self._pending is not None and self._request is not None:
            self._pending.settle(self._action, self._target)
        self._request = None
        self.key = ""

    def outcome(self, error: BaseException | None) -> None:
        """After the request: `settle` unless its outcome is unknown (the answer lost, a server failure, a
        cancelled upload, an expired session), when the user's repeat must carry the same key."""
        if error is None or not isinstance(error, ServerUnreachable | ServerFailed | UploadCancelled | SessionExpired):
            self.settle()


@dataclass(frozen=True)
class DeferredLogin:
    """A login to make before the next call (a session opened offline); the password stays in memory only."""

    user_type: str
    member_no: str
    password: str = field(repr=False)
    on_login: Callable[[LoginResult], None] | None = field(default=None, repr=False)


class CmisClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10,
        transport: httpx.BaseTransport | None = None,
        retries: int = 2,
        backoff: float = 0.25,
    ) -> None:
        self.base_url = checked_server_url(base_url)
        self.token = token
        self._deferred: DeferredLogin | None = None
        self._login_lock = threading.Lock()
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.Client(
            base_url=self.base_url + API_PREFIX,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": "FirmDesk/0.1", "Accept": "application/json"},
        )
        # Uploads may take long on a slow line: only the wait for each step is bounded.
        self._upload_timeout = httpx.Timeout(max(timeout, 60.0), connect=min(timeout, 5.0))

    # -- plumbing -------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:  # never the token
        return f"CmisClient({self.base_url!r}, logged_in={self.token is not None})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        body: MultipartBody | None = None,
        state: ProgressState = NO_STATE,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Send a request, repeating it while the connection cannot be made; a request with an Idempotency-Key
        is also repeated (same key) after a lost answer."""
        if authenticated and self._deferred is not None:
            self._login_if_deferred()
        all_headers = dict(headers or {})
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        replay_safe = "Idempotency-Key" in all_headers
        attempt = 0
        while True:
            if state.is_cancelled():
                raise UploadCancelled()
            extra: dict[str, Any] = {}
            if body is not None:
                all_headers["Content-Type"] = body.content_type
                all_headers["Content-Length"] = str(body.length)
                extra = {"content": body.chunks(state), "timeout": self._upload_timeout}
            request = self._http.build_request(
                method, url, params=_clean(params), json=json, headers=all_headers, **extra
            )
            try:
                return self._http.send(request)
            except RETRYABLE as e:
                if attempt >= self.retries:
                    log.warning("%s %s: no connection after %d attempts (%s)", method, url, attempt + 1, e)
                    raise ServerUnreachable(self.base_url) from e
                delay = self.backoff * 2**attempt
                log.info("%s %s: no connection (%s), retrying in %.2f s", method, url, e, delay)
                time.sleep(delay)
                attempt += 1
            except httpx.TransportError as e:
                timed_out = isinstance(e, httpx.TimeoutException)
                if replay_safe and attempt < self.retries and not state.is_cancelled():
                    # The request may have been done: only its key makes asking again safe.
                    delay = self.backoff * 2**attempt
                    log.info("%s %s: answer lost (%r), repeating with the same key in %.2f s", method, url, e, delay)
                    time.sleep(delay)
                    attempt += 1
                    continue
                if timed_out:
                    raise ServerUnreachable(self.base_url, f"服务器 {self.base_url} 响应超时，请稍后再试") from e
                raise ServerUnreachable(self.base_url, f"与服务器 {self.base_url} 的连接中断，请检查网络后重试") from e

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send, raise the service error of an error answer, return the JSON body (None for 204)."""
        response = self._send(method, path, **kwargs)
        _raise_for_error(response)
        if response.status_code == 204 or not response.content:
            return None
        return _json_of(response)

    # -- connection and auth --------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The server's `/healthz`; `NotCmisServer` when what answers is not a CMIS server."""
        response = self._send("GET", self.base_url + HEALTH_PATH, authenticated=False)
        try:
            data = response.json()
        except ValueError:
            raise NotCmisServer(self.base_url) from None
        if response.status_code != 200 or not isinstance(data, dict) or data.get("service") != "cmis":
            raise NotCmisServer(self.base_url)
        return data

    def login(self, user_type: str, member_no: str, password: str) -> LoginResult:
        """Log in; on success the client keeps the token for the following calls."""
        response = self._send(
            "POST",
            "/auth/login",
            json={"user_type": user_type, "member_no": member_no, "password": password},
            authenticated=False,
        )
        if response.status_code == 401:
            raise BadCredentials()
        _raise_for_error(response)
        result = _parsed(LoginResult.from_json, _json_of(response))
        self.token = result.token
        log.info("logged in to %s as %s %s", self.base_url, user_type, member_no)
        return result

    def defer_login(self, login: DeferredLogin) -> None:
        """Log in just before the next call that needs a token (a session opened offline at start).

        Until then the password stays in this object's memory only. A login the server refuses (the
        password was changed, the account is locked) raises `SessionExpired` with the reason, so the
        window goes back to the login dialog; an unreachable server raises `ServerUnreachable` as any call.
        """
        self._deferred = login

    @property
    def login_pending(self) -> bool:
        return self._deferred is not None

    def _login_if_deferred(self) -> None:
        with self._login_lock:  # several workers may call at once: one login
            deferred = self._deferred
            if deferred is None:
                return
            try:
                result = self.login(deferred.user_type, deferred.member_no, deferred.password)
            except BadCredentials:
                self._deferred = None
                raise SessionExpired("服务器上的密码已更改，请用新密码重新登录") from None
            except AccountLocked as e:
                self._deferred = None
                raise SessionExpired(e.message) from None
            self._deferred = None
        if deferred.on_login is not None:
            deferred.on_login(result)

    def logout(self) -> None:
        """Revoke the token on the server (an already expired token is fine) and drop it."""
        self._deferred = None
        try:
            if self.token:
                self._call("POST", "/auth/logout")
        except SessionExpired:
            pass
        finally:
            self.token = None

    def me(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", "/auth/me")
        return answer

    # -- firm -----------------------------------------------------------------------------------

    def firm(self) -> FirmInfo:
        return _parsed(FirmInfo.from_json, self._call("GET", "/firm"))

    def summary(self, year: int) -> FirmSummary:
        return _parsed(FirmSummary.from_json, self._call("GET", "/firm/summary", params={"year": year}))

    def cpas(
        self,
        year: int,
        tab: str | None = None,
        status: str | None = None,
        q: str | None = None,
        page: int = 1,
        page_size: int = 10000,
        sort: str | None = None,
    ) -> Page[CpaRow]:
        params = {
            "year": year,
            "tab": tab,
            "status": status,
            "q": q,
            "page": page,
            "page_size": page_size,
            "sort": sort,
        }
        return _parsed(lambda d: Page.from_json(d, CpaRow.from_json), self._call("GET", "/firm/cpas", params=params))

    def application(self, application_id: int) -> ApplicationDetail:
        return _parsed(ApplicationDetail.from_json, self._call("GET", f"/firm/applications/{application_id}"))

    def trail(self, application_id: int) -> list[TrailEvent]:
        data = self._call("GET", f"/firm/applications/{application_id}/trail")
        return _parsed(lambda d: [TrailEvent.from_json(e) for e in d], data)

    def readiness(self, ids: Iterable[int]) -> dict[int, list[ReadinessFlag]]:
        """Readiness flags by application id (red: must fix, yellow: may submit)."""
        ids = list(ids)
        if not ids:
            return {}
        data = self._call("POST", "/firm/readiness", json={"application_ids": ids})
        return _parsed(
            lambda d: {
                r["application_id"]: [ReadinessFlag.from_json(f) for f in r.get("flags") or ()]
                for r in d.get("results") or ()
            },
            data,
        )

    def attachment_content(self, attachment_id: int) -> bytes:
        response = self._send("GET", f"/firm/attachments/{attachment_id}/content")
        _raise_for_error(response)
        return response.content

    def return_applications(
        self, items: Sequence[tuple[int, int | None]], reason: str, idempotency_key: str | None = None
    ) -> list[CpaRow]:
        """退回: all of `items` (application id, version or None) go back to their CPAs, or none does."""
        if not items:
            raise Refused("请至少选择一名注册会计师", 422, "invalid_input")
        try:
            reason = require_reason(reason)
        except InvalidInput as e:
            raise Refused(e.message, 422, "invalid_input") from None
        body = {
            "items": [_with_version({"application_id": app_id}, version) for app_id, version in items],
            "reason": reason,
        }
        data = self._call("POST", "/firm/returns", json=body, headers=_idempotency(idempotency_key))
        return _parsed(lambda d: [CpaRow.from_json(r) for r in d["returned"]], data)

    def submit_batch(
        self,
        year: int,
        application_ids: Sequence[int],
        files: Sequence[tuple[str, Path]],
        idempotency_key: str | None = None,
        state: ProgressState = NO_STATE,
    ) -> BatchDetail:
        """申请: a numbered batch of the applications with the firm's materials `(material, path)`.

        `state` hears the upload's progress in bytes and stops it when cancelled (`UploadCancelled`).

        Every file is checked before anything is sent (`AttachmentRejected` names the file). One
        idempotency key covers the whole logical submit, retries included; pass the same key when the
        user repeats a submit whose outcome is unknown, so that the server makes one batch only.
        """
        if not application_ids:
            raise Refused("请至少选择一名注册会计师", 422, "invalid_input")
        planned = check_batch_files(files)
        fields = [("year", str(year)), *(("application_ids", str(i)) for i in application_ids)]
        body = _upload_body(fields, planned)
        data = self._call(
            "POST",
            "/firm/batches",
            body=body,
            headers=_idempotency(idempotency_key),
            state=state,
        )
        return _parsed(BatchDetail.from_json, data)

    def batches(
        self, year: int, states: Sequence[str] | None = None, page: int = 1, page_size: int = 10000
    ) -> Page[BatchRow]:
        params = {"year": year, "state": ",".join(states) if states else None, "page": page, "page_size": page_size}
        data = self._call("GET", "/firm/batches", params=params)
        return _parsed(lambda d: Page.from_json(d, BatchRow.from_json), data)

    def batch(self, batch_id: int) -> BatchDetail:
        return _parsed(BatchDetail.from_json, self._call("GET", f"/firm/batches/{batch_id}"))

    def withdraw(self, batch_id: int, version: int | None = None, idempotency_key: str | None = None) -> BatchDetail:
        """撤回: the batch's applications go back to pending review; refused once the institute started.

        Pass the same key when the user repeats a withdraw whose outcome is unknown (see `RepeatKey`)."""
        data = self._call(
            "POST",
            f"/firm/batches/{batch_id}/withdraw",
            json=_with_version({}, version),
            headers=_idempotency(idempotency_key),
        )
        return _parsed(BatchDetail.from_json, data)

    def resubmit(
        self,
        batch_id: int,
        keep_ids: Sequence[int],
        files: Sequence[tuple[str, Path]],
        state: ProgressState = NO_STATE,
        *,
        idempotency_key: str | None = None,
    ) -> BatchDetail:
        """再次申请-修改附件: keep some of the returned batch's attachments, add new files, resubmit (`state`: as
        for `submit_batch`)."""
        try:  # what the kept attachments are matters only for the required material
            planned = check_batch_files(files, kept_materials=[""] * len(keep_ids))
        except AttachmentRejected as e:
            if not keep_ids or e.message != MISSING_SOCIAL_SECURITY:
                raise
            # Only the server knows what the kept attachments are: ask, for a message before uploading.
            by_id = {a.id: a.material for a in self.batch(batch_id).attachments}
            planned = check_batch_files(files, kept_materials=[by_id.get(i, "") for i in keep_ids])
        fields = [("keep_attachment_ids", str(i)) for i in keep_ids]
        body = _upload_body(fields, planned)
        data = self._call(
            "POST",
            f"/firm/batches/{batch_id}/resubmit",
            body=body,
            headers=_idempotency(idempotency_key),
            state=state,
        )
        return _parsed(BatchDetail.from_json, data)

    def changes(self, year: int, since: int = 0) -> ChangeSet:
        data = self._call("GET", "/firm/changes", params={"year": year, "since": since})
        return _parsed(ChangeSet.from_json, data)

    # -- reminders (提醒; firmdesk.services.reminders) ---------------------------------------------

    def reminder_settings(self) -> ReminderSettings:
        return _parsed(ReminderSettings.from_json, self._call("GET", "/firm/reminders/settings"))

    def save_reminder_settings(self, template: str | None = None, auto_enabled: bool | None = None) -> ReminderSettings:
        body = {k: v for k, v in {"template": template, "auto_enabled": auto_enabled}.items() if v is not None}
        return _parsed(ReminderSettings.from_json, self._call("PUT", "/firm/reminders/settings", json=body))

    def reminder_preview(self, cpa_id: int, template: str | None = None) -> ReminderPreview:
        body = {"cpa_id": cpa_id, "template": template}
        return _parsed(ReminderPreview.from_json, self._call("POST", "/firm/reminders/preview", json=body))

    def send_reminders(self, cpa_ids: Sequence[int], idempotency_key: str | None = None) -> ReminderResult:
        """Remind these CPAs (an inbox message, and a mail when they have an address); one a day each."""
        body = {"cpa_ids": list(cpa_ids)}
        data = self._call("POST", "/firm/reminders", json=body, headers=_idempotency(idempotency_key))
        return _parsed(ReminderResult.from_json, data)

    def reminder_contacts(self) -> list[Contact]:
        """导出联系名单: the CPAs 注师待申请 lists, with phone, e-mail and their last reminder."""
        data = self._call("GET", "/firm/reminders/contacts")
        return _parsed(lambda d: [Contact.from_json(c) for c in d], data)

    # -- the firm's people: 年检代提请, 账户管理, 操作日志 -----------------------------------------------

    def file_on_behalf(
        self,
        cpa_id: int,
        year: int,
        retired: bool,
        files: Sequence[tuple[str, Path]],
        required: Sequence[str],
        idempotency_key: str | None = None,
        state: ProgressState = NO_STATE,
    ) -> CpaRow:
        """年检代提请: file the CPA's application with `files` `(material, path)`: `required` (the institute's
        list for the status) plus the 授权委托书, checked before anything is sent. Straight to 待事务所审核."""
        planned = check_on_behalf_files(files, required)
        fields = [("cpa_id", str(cpa_id)), ("year", str(year)), ("retired", "true" if retired else "false")]
        body = _upload_body(fields, planned)
        headers = _idempotency(idempotency_key or new_idempotency_key())
        data = self._call("POST", "/firm/applications/on-behalf", body=body, headers=headers, state=state)
        return _parsed(CpaRow.from_json, data)

    def accounts(self) -> list[FirmAccount]:
        return _parsed(lambda d: [FirmAccount.from_json(a) for a in d], self._call("GET", "/firm/accounts"))

    def create_account(
        self, login: str, person_name: str, password: str, idempotency_key: str | None = None
    ) -> FirmAccount:
        body = {"login": login, "person_name": person_name, "password": password}
        data = self._call("POST", "/firm/accounts", json=body, headers=_idempotency(idempotency_key))
        return _parsed(FirmAccount.from_json, data)

    def set_account_disabled(self, account_id: int, disabled: bool) -> FirmAccount:
        """停用 (their sessions end at once) or 启用 a 审核员."""
        if disabled:
            data = self._call("POST", f"/firm/accounts/{account_id}/disable")
        else:
            data = self._call("POST", f"/firm/accounts/{account_id}/enable")
        return _parsed(FirmAccount.from_json, data)

    def reset_password(self, account_id: int, password: str) -> FirmAccount:
        data = self._call("POST", f"/firm/accounts/{account_id}/reset-password", json={"password": password})
        return _parsed(FirmAccount.from_json, data)

    def operation_log(
        self,
        *,
        account_id: int | None = None,
        actions: Sequence[str] = (),
        date_from: date | None = None,
        date_to: date | None = None,
        page: int = 1,
        page_size: int = 100,
    ) -> Page[OperationLogEntry]:
        params = {
            "account_id": account_id,
            "action": ",".join(actions) or None,
            "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None,
            "page": page,
            "page_size": page_size,
        }
        data = self._call("GET", "/firm/operation-log", params=params)
        return _parsed(lambda d: Page.from_json(d, OperationLogEntry.from_json), data)


def _upload_body(fields: list[tuple[str, str]], planned: list[PlannedFile]) -> MultipartBody:
    fields = fields + [("materials", p.material) for p in planned]
    return MultipartBody(fields, [("files", p) for p in planned])


def _json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ServerFailed(response.status_code, "服务器返回了无法识别的内容，请确认服务器地址") from None


def _parsed(parse: Callable[[Any], R], data: Any) -> R:
    """A record read from an answer; an answer of another shape (another server version) is a `ServerFailed`."""
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        log.warning("answer of an unexpected shape: %s: %s", type(e).__name__, e)
        raise ServerFailed(200, "服务器返回的数据格式不正确，请确认服务器版本") from e


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in params.items() if v is not None} if params else None


def _with_version(body: dict[str, Any], version: int | None) -> dict[str, Any]:
    if version is not None:
        body["version"] = version
    return body


def _idempotency(key: str | None) -> dict[str, str]:
    return {"Idempotency-Key": key or new_idempotency_key()}


def _raise_for_error(response: httpx.Response) -> None:
    """The service error of an error answer (4xx/5xx); nothing for a success."""
    status = response.status_code
    if status < 400:
        if 300 <= status < 400:
            raise ServerFailed(status, "服务器地址发生了跳转，请检查服务器地址")
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    detail = _detail_text(body.get("detail"))
    if status == 401:
        if code == "bad_credentials":
            raise BadCredentials()
        raise SessionExpired()
    if status == 429 and code == "locked":
        until = parse_time(body.get("locked_until"))
        if until is not None:
            raise AccountLocked(until)
    if status >= 500:
        raise ServerFailed(status)
    extra = {k: v for k, v in body.items() if k not in ("detail", "code")}
    raise Refused(
        detail or _FALLBACK_MESSAGES.get(status, f"请求被服务器拒绝（HTTP {status}）"),
        status,
        code or _FALLBACK_CODES.get(status, "refused"),
        extra,
    )


def _detail_text(detail: Any) -> str | None:
    """A Chinese message from `detail`: the server's text, or a summary of a validation error list."""
    if isinstance(detail, str) and detail.strip():
        return detail
    if isinstance(detail, list) and detail:
        first = detail[0]
        msg = first.get("msg") if isinstance(first, dict) else None
        return f"提交的内容不正确：{msg}" if msg else "提交的内容不正确"
    return None
