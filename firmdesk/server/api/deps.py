"""Request dependencies: the database session, the signed-in principal, and every role and
ownership check as a typed alias (`CurrentFirm`, `FirmApplication`, ...). Routes never check inline."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from firmdesk.domain.errors import Forbidden
from firmdesk.domain.limits import MAX_RECORD_ID
from firmdesk.domain.states import Role
from firmdesk.server.api.in_flight import READ_METHODS
from firmdesk.server.client_address import client_address
from firmdesk.server.context import ServerContext
from firmdesk.server.db.models import Application, Attachment, Batch, Cpa, Extension, Firm, Institute
from firmdesk.server.services import access, institute_extensions
from firmdesk.server.services.actors import Actor, cpa_actor, firm_actor, institute_actor
from firmdesk.server.services.auth import Principal, resolve_token
from firmdesk.server.services.verification import bind_public_base_url

# Dependencies without I/O are `async def`: FastAPI then runs them inline instead of a thread hop each.
_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")


async def get_context(request: Request) -> ServerContext:
    return request.app.state.cmis  # type: ignore[no-any-return]


Context = Annotated[ServerContext, Depends(get_context)]


async def public_base_url(request: Request, context: Context) -> str:
    """`CMIS_PUBLIC_BASE_URL`, else the address of the server's own socket the request came in on: never the
    `Host` header (anyone could make the server hand out QR codes pointing at their site)."""
    return (context.settings.public_base_url or listening_url(request)).rstrip("/")


def listening_url(request: Request) -> str:
    server = request.scope.get("server")
    scheme = request.scope.get("scheme", "http")
    if not server or server[1] is None:
        return f"{scheme}://localhost"
    host, port = server
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port == default else f"{scheme}://{host}:{port}"


PublicBaseUrl = Annotated[str, Depends(public_base_url)]


async def get_client_address(request: Request, context: Context) -> str:
    return client_address(request, context.settings.proxies)


#: The client's address: the TCP peer, or `X-Forwarded-For` from a trusted proxy (`client_address`).
ClientAddress = Annotated[str, Depends(get_client_address)]


def get_session(request: Request, context: Context, base_url: PublicBaseUrl) -> Iterator[Session]:
    """One session per request: reads use a snapshot; a write request's dependencies read in a deferred
    transaction too, and its use case takes the write lock (`take_write_turn`) in the endpoint's thread.
    It knows the public base URL, so that the CPA rows it reads carry their `qr_url`."""
    factory = context.read_sessions if request.method in READ_METHODS else context.write_sessions
    session = factory()
    bind_public_base_url(session, base_url)
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def current_principal(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    return resolve_token(session, credentials.credentials if credentials else None)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def _require(principal: Principal, role: Role) -> None:
    if principal.role is not role:
        raise Forbidden("当前账户无权进行此操作", role=principal.role.value)


async def current_firm(principal: CurrentPrincipal) -> Firm:
    _require(principal, Role.FIRM)
    assert isinstance(principal.organisation, Firm)
    return principal.organisation


async def current_cpa(principal: CurrentPrincipal) -> Cpa:
    _require(principal, Role.CPA)
    assert isinstance(principal.organisation, Cpa)
    return principal.organisation


async def current_institute(principal: CurrentPrincipal) -> Institute:
    _require(principal, Role.INSTITUTE)
    assert isinstance(principal.organisation, Institute)
    return principal.organisation


CurrentFirm = Annotated[Firm, Depends(current_firm)]
CurrentCpa = Annotated[Cpa, Depends(current_cpa)]
CurrentInstitute = Annotated[Institute, Depends(current_institute)]


# The person acting is the signed-in account; the organisation is the one it belongs to.


async def firm_actor_dep(principal: CurrentPrincipal, firm: CurrentFirm) -> Actor:
    return firm_actor(firm, principal.account)


async def cpa_actor_dep(principal: CurrentPrincipal, cpa: CurrentCpa) -> Actor:
    return cpa_actor(cpa, principal.account)


async def institute_actor_dep(principal: CurrentPrincipal, institute: CurrentInstitute) -> Actor:
    return institute_actor(institute, principal.account)


FirmActor = Annotated[Actor, Depends(firm_actor_dep)]
CpaActor = Annotated[Actor, Depends(cpa_actor_dep)]
InstituteActor = Annotated[Actor, Depends(institute_actor_dep)]


async def debug_delay(context: Context) -> None:
    """Test hook (Settings.debug_delay_s): a slow server, before any database work starts."""
    if context.settings.debug_delay_s > 0:
        await asyncio.sleep(context.settings.debug_delay_s)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=80,
        description="Client-made uuid4: a repeat by the same principal replays the first answer",
    ),
]

# --- Ownership: another principal's records are 404, never 403 ---

#: An id in the path: a positive 64-bit integer (a larger one is 422, never a database overflow).
PathId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]


def firm_application(session: SessionDep, firm: CurrentFirm, application_id: PathId) -> Application:
    return access.firm_application(session, firm, application_id)


def firm_batch(session: SessionDep, firm: CurrentFirm, batch_id: PathId) -> Batch:
    return access.firm_batch(session, firm, batch_id)


def firm_attachment(session: SessionDep, firm: CurrentFirm, attachment_id: PathId) -> Attachment:
    return access.firm_attachment(session, firm, attachment_id)


def cpa_application(session: SessionDep, cpa: CurrentCpa, application_id: PathId) -> Application:
    return access.cpa_application(session, cpa, application_id)


def institute_batch(session: SessionDep, institute: CurrentInstitute, batch_id: PathId) -> Batch:
    return access.institute_batch(session, institute, batch_id)


def institute_application(session: SessionDep, institute: CurrentInstitute, application_id: PathId) -> Application:
    return access.institute_application(session, institute, application_id)


def institute_attachment(session: SessionDep, institute: CurrentInstitute, attachment_id: PathId) -> Attachment:
    return access.institute_attachment(session, institute, attachment_id)


FirmApplication = Annotated[Application, Depends(firm_application)]
FirmBatch = Annotated[Batch, Depends(firm_batch)]
FirmAttachment = Annotated[Attachment, Depends(firm_attachment)]
CpaApplication = Annotated[Application, Depends(cpa_application)]
InstituteBatch = Annotated[Batch, Depends(institute_batch)]
InstituteApplication = Annotated[Application, Depends(institute_application)]
InstituteAttachment = Annotated[Attachment, Depends(institute_attachment)]


def institute_extension(session: SessionDep, institute: CurrentInstitute, extension_id: PathId) -> Extension:
    return institute_extensions.find(session, institute, extension_id)


InstituteExtension = Annotated[Extension, Depends(institute_extension)]
