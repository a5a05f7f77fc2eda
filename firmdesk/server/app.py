"""The reference CMIS server as a FastAPI application: `create_app(settings)`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from firmdesk import __version__ as _package_version
from firmdesk.server.api import auth, cpa, face, firm, institute
from firmdesk.server.api.body_limit import BodyLimit
from firmdesk.server.api.errors import install_error_handlers
from firmdesk.server.autoreview import AutoReviewer
from firmdesk.server.config import Settings
from firmdesk.server.context import ServerContext
from firmdesk.server.db.session import migrate
from firmdesk.server.services.schemas import Health

API_PREFIX = "/api/v1"
VERSION = _package_version


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: from `CMIS_*` environment variables). Migrates the DB first."""
    settings = settings or Settings()
    context = ServerContext.build(settings)
    migrate(context.engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        reviewer = _start_auto_review(context)
        try:
            yield
        finally:
            if reviewer is not None:
                reviewer.stop()
            context.engine.dispose()

    app = FastAPI(
        title="CMIS 注册会计师年检 (reference server)",
        version=VERSION,
        description="The whole annual-inspection service for CPAs, firms and institutes. "
        "Every error answers `{detail, code}` with a Chinese `detail`.",
        lifespan=lifespan,
    )
    app.state.cmis = context
    app.add_middleware(BodyLimit)
    install_error_handlers(app)

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> Health:
        """Liveness: the client checks `service == "cmis"`."""
        return Health(version=VERSION)

    for router in _routers():
        app.include_router(router, prefix=API_PREFIX)
    return app


def _routers() -> list[APIRouter]:
    return [auth.router, firm.router, cpa.router, face.router, institute.router]


def _start_auto_review(context: ServerContext) -> AutoReviewer | None:
    if not context.settings.auto_review:
        return None
    reviewer = AutoReviewer(context)
    reviewer.start()
    return reviewer
