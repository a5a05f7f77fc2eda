"""The reference CMIS server as a FastAPI application: `create_app(settings)`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from firmdesk import __version__ as _package_version
from firmdesk.server.api import auth, cpa, face, firm, firm_people, institute, password_reset, public, reminders
from firmdesk.server.api.body_limit import BodyLimit
from firmdesk.server.api.errors import document_common_errors, install_error_handlers
from firmdesk.server.api.guard import Guard
from firmdesk.server.api.in_flight import InFlightLimit
from firmdesk.server.autoreview import AutoReviewer
from firmdesk.server.config import Settings
from firmdesk.server.context import ServerContext
from firmdesk.server.db.session import migrate
from firmdesk.server.mail_jobs import mail_jobs
from firmdesk.server.services.garbage import GarbageCollector
from firmdesk.server.services.schemas import Health
from firmdesk.server.web import demo_mail
from firmdesk.server.web import public as public_pages
from firmdesk.server.web.cpa import applications as cpa_applications
from firmdesk.server.web.cpa import apply as cpa_apply
from firmdesk.server.web.cpa import face as cpa_face
from firmdesk.server.web.cpa import forgot_password as cpa_forgot_password
from firmdesk.server.web.cpa import home as cpa_home
from firmdesk.server.web.cpa import messages as cpa_messages
from firmdesk.server.web.cpa import records as cpa_records
from firmdesk.server.web.cpa import sign_in as cpa_sign_in
from firmdesk.server.web.errors import failure_page, install_page_errors
from firmdesk.server.web.institute import PAGE_ROUTERS as WORKBENCH_ROUTERS
from firmdesk.server.web.site import STATIC_PREFIX, PageHeaders

API_PREFIX = "/api/v1"
VERSION = _package_version
GZIP_MINIMUM_BYTES = 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: from `CMIS_*` environment variables). Migrates the DB first."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        start_background(app)
        try:
            yield
        finally:
            stop_background(app)
            app.state.cmis.engine.dispose()

    app = FastAPI(
        title="CMIS 注册会计师年检 (reference server)",
        version=VERSION,
        description="The whole annual-inspection service for CPAs, firms and institutes. "
        "Every error answers `{detail, code}` with a Chinese `detail`.",
        lifespan=lifespan,
    )
    app.state.cmis = _prepared_context(settings or Settings())
    app.state.reviewer = None
    app.state.collector = None
    app.state.mail_jobs = []
    app.add_middleware(InFlightLimit)  # added first: inside BodyLimit, so that a refused upload never waits
    app.add_middleware(BodyLimit)
    # Large JSON answers (a 5,000-CPA year is ~2.5 MB) go gzipped to clients that accept it (httpx does);
    # level 5 compresses JSON almost as well as 9 at a fraction of the CPU; attachments are left alone.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MINIMUM_BYTES,
        compresslevel=5,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf"),
    )
    # Outermost but one: the inner layers' answers get a request id too (failures on page paths: HTML pages).
    app.add_middleware(Guard, page_failure=failure_page)
    app.add_middleware(PageHeaders)  # outermost: every page answer gets its security headers, errors included
    install_error_handlers(app)
    install_page_errors(app)  # page paths answer HTML error pages (after the API's handlers, which it wraps)

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> Health:
        """Liveness: the client checks `service == "cmis"`."""
        return Health(version=VERSION)

    for router in _routers():
        app.include_router(router, prefix=API_PREFIX)
    _document_common_errors(app)
    # Where QR codes point, outside the API prefix: `/v/{token}.json` first, or the page would take it as a token.
    app.include_router(public.router)
    app.include_router(public_pages.router)  # /v/{token}
    app.include_router(demo_mail.router)  # /demo/mail, only with CMIS_DEMO_MAIL_PAGE
    for router in _page_routers():
        app.include_router(router)
    app.mount(STATIC_PREFIX, StaticFiles(packages=[("firmdesk.server.web", "static")]), name="static")
    return app


def _document_common_errors(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_common_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _prepared_context(settings: Settings) -> ServerContext:
    context = ServerContext.build(settings)
    migrate(context.engine)
    return context


def switch_settings(app: FastAPI, settings: Settings) -> None:
    """Point a running app at other settings (another data folder): used by the test fixtures so that
    one server serves many tests, each on a fresh database. Not for production use."""
    stop_background(app)
    old: ServerContext = app.state.cmis
    app.state.cmis = _prepared_context(settings)
    old.engine.dispose()
    start_background(app)


def start_background(app: FastAPI) -> None:
    """The auto-reviewer, when the settings ask for it; the attachment garbage collector; the mail jobs."""
    context: ServerContext = app.state.cmis
    interval = context.settings.attachment_gc_interval_s
    if interval > 0 and app.state.collector is None:
        app.state.collector = GarbageCollector(context.read_sessions, context.storage, interval)
        app.state.collector.start()
    if context.settings.auto_review and app.state.reviewer is None:
        app.state.reviewer = AutoReviewer(context)
        app.state.reviewer.start()
    if not app.state.mail_jobs:
        app.state.mail_jobs = mail_jobs(context)
        for job in app.state.mail_jobs:
            job.start()


def stop_background(app: FastAPI) -> None:
    if app.state.collector is not None:
        app.state.collector.stop()
        app.state.collector = None
    if app.state.reviewer is not None:
        app.state.reviewer.stop()
        app.state.reviewer = None
    for job in app.state.mail_jobs:
        job.stop()
    app.state.mail_jobs = []


def _routers() -> list[APIRouter]:
    return [
        auth.router,
        password_reset.router,
        firm.router,
        firm_people.router,
        reminders.router,
        cpa.router,
        face.router,
        institute.router,
    ]


def _page_routers() -> list[APIRouter]:
    """The portals' pages (web/; kept out of the OpenAPI document)."""
    return [
        cpa_sign_in.router,
        cpa_forgot_password.router,
        cpa_home.router,
        cpa_applications.router,
        cpa_messages.router,
        cpa_records.router,
        cpa_apply.router,
        cpa_face.router,
        *WORKBENCH_ROUTERS,
    ]
