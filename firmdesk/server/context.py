"""Everything a running server shares between requests (no globals: it hangs on `app.state.cmis`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.server.config import Settings
from firmdesk.server.db.session import make_engine, make_session_factory
from firmdesk.server.face import FaceProvider, make_face_provider
from firmdesk.server.ratelimit import PublicRateLimiter
from firmdesk.server.security import password_hasher
from firmdesk.server.services.auth import Authenticator
from firmdesk.server.services.login_protection import LoginPolicy
from firmdesk.server.storage import AttachmentStore


@dataclass
class ServerContext:
    settings: Settings
    engine: Engine
    read_sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]
    authenticator: Authenticator
    storage: AttachmentStore
    face: FaceProvider
    #: Rate limits of the public verification page (`/v/{token}`), per client address (in the database).
    public_limiter: PublicRateLimiter

    @classmethod
    def build(cls, settings: Settings) -> ServerContext:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings)
        # Deferred: a request's use case takes the write lock itself (`take_write_turn`), not its dependencies.
        write_sessions = make_session_factory(engine, write=True, immediate=False)
        return cls(
            settings=settings,
            engine=engine,
            read_sessions=make_session_factory(engine, write=False),
            write_sessions=write_sessions,
            authenticator=Authenticator(
                password_hasher(settings), settings.token_hours, LoginPolicy.from_settings(settings)
            ),
            storage=AttachmentStore(settings.attachments_dir),
            face=make_face_provider(settings.face_provider),
            public_limiter=PublicRateLimiter(
                make_session_factory(engine, write=True),
                settings.public_requests_per_minute,
                settings.public_misses_per_minute,
            ),
        )
