"""Idempotency keys, bound to their request: the operations they name, the request's fingerprint, replay or refusal.

A client sends `Idempotency-Key` so that a retry changes nothing twice. The key is scoped to its principal
and remembers the operation it was used for (`firm.withdraw`, never an URL) and a hash of the request
(the command's fields, the target record's id, each uploaded file's sha256), as Stripe does:

- the same key, operation and request again: the stored answer is replayed exactly (status and body);
- the same key for another operation or another request: refused, `IdempotencyKeyReused` (422).

`scope(...)` builds what a use case hands to `Change`; `claim` and `remember` are what `Change` does with it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from firmdesk.server.db.models import IdempotentRequest
from firmdesk.server.services.actors import Actor
from firmdesk.server.services.errors import IdempotencyKeyReused, Replay

KEY_REUSED_MESSAGE = "该 Idempotency-Key 已用于另一个请求，请为新的请求生成新的 Idempotency-Key"

_READ_CHUNK = 64 * 1024


class Operation(StrEnum):
    """Every use case that accepts an Idempotency-Key, by the name its key is stored under."""

    FIRM_RETURN = "firm.return"
    FIRM_SUBMIT_BATCH = "firm.submit_batch"
    FIRM_WITHDRAW = "firm.withdraw"
    FIRM_RESUBMIT_BATCH = "firm.resubmit_batch"
    CPA_START = "cpa.start"
    CPA_UPLOAD = "cpa.upload"
    CPA_FACE_SESSION = "cpa.face_session"
    CPA_RESUBMIT = "cpa.resubmit"
    INSTITUTE_APPROVE_ALL = "institute.approve_all"
    INSTITUTE_RETURN_BATCH = "institute.return_batch"
    INSTITUTE_DECIDE = "institute.decide"
    INSTITUTE_IDENTITY_CHECK = "institute.identity_check"
    INSTITUTE_REINSPECT = "institute.reinspect"


@dataclass(frozen=True)
class IdempotencyScope:
    """One key of one principal, for one operation on one request (`request_hash`)."""

    principal: str
    key: str
    operation: Operation
    request_hash: str


def scope(
    actor: Actor, key: str | None, operation: Operation, command: object = None, *, target: int | None = None
) -> IdempotencyScope | None:
    """The scope of a request made with `key` (None without a key): `command` and the `target` record's id
    are what the request asks; uploads in the command count by their content's sha256."""
    if not key:
        return None
    return IdempotencyScope(actor.principal_key, key, operation, request_hash(operation, command, target))


def request_hash(operation: Operation, command: object = None, target: int | None = None) -> str:
    """sha256 of the request's canonical form (sorted JSON of the operation, target and command)."""
    canonical = {"operation": operation.value, "target": target, "command": _canonical(command)}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(upload: Any) -> str:
    """The sha256 of an upload's content, read in chunks; the file is left at its start for whoever reads next."""
    stream = upload.file
    stream.seek(0)
    digest = hashlib.sha256()
    while chunk := stream.read(_READ_CHUNK):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _is_upload(value: object) -> bool:
    return hasattr(value, "file") and hasattr(value, "filename")


def _canonical(value: object) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if _is_upload(value):
        return {"name": getattr(value, "filename", None), "sha256": file_sha256(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [_canonical(v) for v in value]
    return to_jsonable_python(value)


# --- what `Change` does with a scope ---


def _stored(session: Session, idempotency: IdempotencyScope) -> IdempotentRequest | None:
    return session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.principal == idempotency.principal, IdempotentRequest.key == idempotency.key
        )
    )


def _answer(stored: IdempotentRequest, idempotency: IdempotencyScope) -> Exception:
    """The stored answer to replay, or the refusal when the key was made for something else."""
    if stored.operation != idempotency.operation.value or stored.request_hash != idempotency.request_hash:
        return IdempotencyKeyReused(KEY_REUSED_MESSAGE, operation=stored.operation)
    return Replay(stored.status_code, json.loads(stored.response_json))


def claim(session: Session, idempotency: IdempotencyScope, now: datetime) -> IdempotentRequest:
    """Claim the key at once, or raise the stored answer (`Replay`) or `IdempotencyKeyReused`.

    A concurrent request with the same key then waits on the unique index (PostgreSQL) or the write lock
    (SQLite) and, once this one commits, replays its answer."""
    stored = _stored(session, idempotency)
    if stored is not None:
        raise _answer(stored, idempotency)
    record = IdempotentRequest(
        principal=idempotency.principal,
        key=idempotency.key,
        operation=idempotency.operation.value,
        request_hash=idempotency.request_hash,
        status_code=0,
        response_json="null",
        created_at=now,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        stored = _stored(session, idempotency)
        if stored is not None:
            raise _answer(stored, idempotency) from None
        raise
    return record


def remember(record: IdempotentRequest, status_code: int, response: Any) -> None:
    """Keep the answer (as the client receives it: JSON with aliases) to replay on a retry."""
    record.status_code = status_code
    record.response_json = json.dumps(to_jsonable_python(response, by_alias=True), ensure_ascii=False)
