"""Fixtures that run the real reference server on a fresh database over real HTTP.

The database is a temporary SQLite file, or a fresh PostgreSQL schema with `FIRMDESK_TEST_DB=postgresql`
(tests/helpers/databases.py).

- `server_settings` – `Settings` in `tmp_path` on a fresh migrated database, with cheap argon2 hashes.
- `new_database_url()` – a further fresh database on the run's backend (None on SQLite: the data folder's file);
  `postgres_url` – a fresh PostgreSQL schema, or the test skips when the run is on SQLite.
- `live_server` – a running `ServerThread` (`.base_url`, `.settings`) serving those settings (one uvicorn per run,
  switched to a fresh database for each test).
- `server_builder` – `ServerBuilder`: inserts institutes, firms, CPAs, applications directly through the ORM.
- `api_login(base_url, user_type, member_no, password)` – an `httpx.Client` signed in with a bearer token.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.domain.accounts import AccountRole
from firmdesk.domain.states import ApplicationState
from firmdesk.server.config import Settings, fast_test_settings
from firmdesk.server.db.models import Account, Application, Attachment, Cpa, Firm, Institute, TrainingHours
from firmdesk.server.db.session import make_engine, make_session_factory, migrate
from firmdesk.server.runner import ServerThread
from firmdesk.server.security import hash_password, new_token
from firmdesk.server.services.changes import next_change_seq
from firmdesk.server.services.clock import china_today, utcnow
from firmdesk.server.storage import AttachmentStore
from tests.helpers.databases import (
    BACKEND_VARIABLE,
    POSTGRES_SKIP_REASON,
    PostgresSchemas,
    PostgresUnavailable,
    selected_backend,
)

INSTITUTE_PASSWORD = "institute-pass"
FIRM_PASSWORD = "firm-pass"
CPA_PASSWORD = "cpa-pass"
WORKING_MATERIALS = ["继续教育证明", "执业情况说明"]
RETIRED_MATERIALS = ["离退休证明"]


def tiny_pdf(text: str = "sample") -> bytes:
    """A small file whose content is recognised as PDF."""
    return b"%PDF-1.4\n% " + text.encode() + b"\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def tiny_png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def open_window(current_year: int) -> tuple[date, date]:
    """A window open today (China time): the spec's 1 January .. 30 April after the inspected year,
    stretched, like the demo's (`firmdesk.server.demo.facts.demo_window`), to reach 90 days ahead; the
    server enforces the deadline, so a fixed date would close every test's window as the calendar moves on."""
    today = china_today()
    return min(date(current_year + 1, 1, 1), today), max(date(current_year + 1, 4, 30), today + timedelta(days=90))


class ServerBuilder:
    """Test data straight through the ORM (fast: no HTTP, one password hash per password)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        migrate(settings)
        self.engine = make_engine(settings)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self.storage = AttachmentStore(settings.attachments_dir)
        self._hashes: dict[str, str] = {}
        self._cert_seq = itertools.count(1)

    def close(self) -> None:
        self.engine.dispose()

    def _hash(self, password: str) -> str:
        if password not in self._hashes:
            self._hashes[password] = hash_password(password, self.settings)
        return self._hashes[password]

    def institute(
        self,
        code: str = "50",
        name: str = "重庆市注册会计师协会",
        *,
        password: str = INSTITUTE_PASSWORD,
        current_year: int = 2025,
        materials_working: Iterable[str] = WORKING_MATERIALS,
        materials_retired: Iterable[str] = RETIRED_MATERIALS,
        min_training_hours: float = 40,
        person: str = "陈主任",
        deadline: date | None = None,
    ) -> Institute:
        """An institute with its first account; its window is open today (`open_window`) unless `deadline`."""
        window_start, open_deadline = open_window(current_year)
        with self.sessions() as session:
            institute = Institute(
                code=code,
                name=name,
                current_year=current_year,
                window_start=min(window_start, deadline or window_start),
                deadline=deadline or open_deadline,
                notice_start="请如实填写年检信息。",
                notice_success="年检申请已提交事务所审核。",
                materials_working=list(materials_working),
                materials_retired=list(materials_retired),
                min_training_hours=min_training_hours,
            )
            session.add(institute)
            session.flush()
            session.add(self._account(institute_id=institute.id, login=code, person=person, password=password))
            session.commit()
            return institute

    def firm(
        self,
        institute: Institute,
        number: str = "50010028",
        name: str = "重庆山城会计师事务所",
        *,
        password: str = FIRM_PASSWORD,
        person: str = "王主管",
    ) -> Firm:
        with self.sessions() as session:
            firm = Firm(number=number, name=name, institute_id=institute.id)
            session.add(firm)
            session.flush()
            session.add(self._account(firm_id=firm.id, login=number, person=person, password=password))
            session.commit()
            return firm

    def account(
        self,
        organisation: Firm | Institute,
        login: str,
        person: str,
        *,
        password: str,
        role: AccountRole = AccountRole.REVIEWER,
    ) -> Account:
        """A further account of a firm or an institute (its first one comes with it)."""
        key = {"firm_id": organisation.id} if isinstance(organisation, Firm) else {"institute_id": organisation.id}
        with self.sessions() as session:
            account = self._account(**key, login=login, person=person, password=password, role=role)
            session.add(account)
            session.commit()
            return account

    def set_disabled(self, role: str, login: str, disabled: bool = True) -> None:
        with self.sessions() as session:
            account = session.scalars(select(Account).where(Account.org_kind == role, Account.login == login)).one()
            account.disabled = disabled
            session.commit()

    def _account(
        self,
        *,
        login: str,
        person: str,
        password: str,
        role: AccountRole = AccountRole.ADMIN,
        firm_id: int | None = None,
        institute_id: int | None = None,
        cpa_id: int | None = None,
    ) -> Account:
        kind = "firm" if firm_id is not None else "institute" if institute_id is not None else "cpa"
        return Account(
            org_kind=kind,
            firm_id=firm_id,
            institute_id=institute_id,
            cpa_id=cpa_id,
            login=login,
            person_name=person,
            password_hash=self._hash(password),
            org_role=role.value,
            disabled=False,
            created_at=utcnow(),
        )

    def cpa(
        self,
        firm: Firm,
        name: str | None = None,
        *,
        cert_no: str | None = None,
        password: str = CPA_PASSWORD,
        birth_date: date | None = date(1980, 5, 1),
        training: dict[int, float] | None = None,
        retired: bool = False,
        joined_firm_on: date | None = None,
    ) -> Cpa:
        n = next(self._cert_seq)
        with self.sessions() as session:
            cpa = Cpa(
                cert_no=cert_no or f"{firm.number}{n:04d}",
                name=name or f"测试注师{n}",
                firm_id=firm.id,
                birth_date=birth_date,
                gender="女" if n % 2 else "男",
                id_number=f"50010119800501{n:04d}",
                retired=retired,
                joined_firm_on=joined_firm_on,
                qr_token=new_token(),
                change_seq=next_change_seq(session),
            )
            session.add(cpa)
            session.flush()
            session.add(
                self._account(
                    cpa_id=cpa.id, login=cpa.cert_no, person=cpa.name, password=password, role=AccountRole.CPA
                )
            )
            for year, hours in (training if training is not None else {2024: 48.0, 2025: 48.0}).items():
                session.add(TrainingHours(cpa_id=cpa.id, year=year, hours=hours))
            session.commit()
            return cpa

    def cpas(self, firm: Firm, count: int, **kwargs: object) -> list[Cpa]:
        return [self.cpa(firm, **kwargs) for _ in range(count)]  # type: ignore[arg-type]

    def application(
        self,
        cpa: Cpa,
        state: ApplicationState | str = ApplicationState.PENDING_FIRM,
        *,
        year: int = 2025,
        retired: bool | None = None,
        materials: Iterable[str] | None = None,
        reason: str | None = None,
    ) -> Application:
        """An application in `state` with a PDF per material (default: the working materials)."""
        now = utcnow()
        with self.sessions() as session:
            application = Application(
                cpa_id=cpa.id,
                firm_id=cpa.firm_id,
                year=year,
                state=ApplicationState(state).value,
                retired=cpa.retired if retired is None else retired,
                last_reason=reason,
                created_at=now,
                updated_at=now,
                submitted_at=None if state == ApplicationState.DRAFT else now,
            )
            session.add(application)
            session.flush()
            for material in WORKING_MATERIALS if materials is None else materials:
                pdf = tiny_pdf(f"{cpa.cert_no} {material}")
                self._attach(session, application.id, material, f"{material}.pdf", pdf, now)
            db_cpa = session.get(Cpa, cpa.id)
            assert db_cpa is not None
            db_cpa.change_seq = next_change_seq(session)
            session.commit()
            return application

    def attach(self, application: Application, material: str, name: str, data: bytes) -> None:
        """A file (`name`, `data`) as `material` of the application, straight into the server's store."""
        with self.sessions() as session:
            self._attach(session, application.id, material, name, data, utcnow())
            session.commit()

    def _attach(
        self, session: Session, application_id: int, material: str, name: str, data: bytes, at: datetime
    ) -> None:
        stored = self.storage.save(name, io.BytesIO(data))
        session.add(
            Attachment(
                sha256=stored.sha256,
                size=stored.size,
                file_type=stored.file_type,
                original_name=stored.original_name,
                material=material,
                uploaded_at=at,
                application_id=application_id,
            )
        )


def api_login(base_url: str, user_type: str, member_no: str, password: str) -> httpx.Client:
    """An httpx client for `/api/v1` signed in as the given account (raises on a failed login)."""
    # verify=False: plain HTTP on loopback, and it spares loading the CA bundle for every client.
    client = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30, verify=False)
    answer = client.post("/auth/login", json={"user_type": user_type, "member_no": member_no, "password": password})
    answer.raise_for_status()
    client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return client


@pytest.fixture(scope="session")
def database_backend() -> str:
    """ "sqlite" or "postgresql" (`FIRMDESK_TEST_DB`): the database every server test runs on."""
    return selected_backend()


@pytest.fixture(scope="session")
def _postgres_schemas(database_backend: str) -> Iterator[PostgresSchemas | None]:
    if database_backend != "postgresql":
        yield None
        return
    try:
        schemas = PostgresSchemas()
    except PostgresUnavailable as error:
        pytest.fail(f"{BACKEND_VARIABLE}=postgresql, but {error}", pytrace=False)
    yield schemas
    schemas.close()


@pytest.fixture
def postgres_url(_postgres_schemas: PostgresSchemas | None) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL schema (dropped after the test); skips unless the run is on PostgreSQL."""
    if _postgres_schemas is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    url = _postgres_schemas.new()
    yield url
    _postgres_schemas.drop(url)


@pytest.fixture
def new_database_url(_postgres_schemas: PostgresSchemas | None) -> Iterator[Callable[[], str | None]]:
    """Call it for the URL of a fresh, empty database on the run's backend: a PostgreSQL schema, or None on
    SQLite (the data folder's own `cmis.sqlite3`). Everything made is dropped after the test."""
    made: list[str] = []

    def new() -> str | None:
        if _postgres_schemas is None:
            return None
        made.append(_postgres_schemas.new())
        return made[-1]

    yield new
    for url in made:
        assert _postgres_schemas is not None
        _postgres_schemas.drop(url)


@pytest.fixture(scope="session")
def _migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the latest migration, copied for each test (migrating costs ~0.15 s)."""
    settings = fast_test_settings(tmp_path_factory.mktemp("cmis-template"))
    migrate(settings)
    path = settings.data_dir / "cmis.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")  # fold the WAL in: one file to copy
    return path


@pytest.fixture
def server_settings(
    tmp_path: Path, request: pytest.FixtureRequest, new_database_url: Callable[[], str | None]
) -> Settings:
    """Settings on a fresh, already migrated database (a SQLite file in `tmp_path`, or a PostgreSQL schema
    when `FIRMDESK_TEST_DB=postgresql`), with cheap password hashes."""
    url = new_database_url()
    if url is not None:
        migrate(url)
        return fast_test_settings(tmp_path / "cmis", database_url=url)
    settings = fast_test_settings(tmp_path / "cmis")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(request.getfixturevalue("_migrated_database"), settings.data_dir / "cmis.sqlite3")
    return settings


@pytest.fixture(scope="session")
def _shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One uvicorn for the whole run (starting one per test costs ~0.5 s); each test switches it to its
    own fresh database with `switch_settings`."""
    server = ServerThread(fast_test_settings(tmp_path_factory.mktemp("cmis-idle")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(_shared_server: ServerThread, server_settings: Settings) -> Iterator[ServerThread]:
    """The running server, serving a fresh temporary database for this test (`server_settings`)."""
    _shared_server.switch_settings(server_settings)
    yield _shared_server


@pytest.fixture
def server_builder(server_settings: Settings) -> Iterator[ServerBuilder]:
    builder = ServerBuilder(server_settings)
    yield builder
    builder.close()
