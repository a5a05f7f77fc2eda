"""The builder that writes a demo world: records built in memory (each with its trail), then inserted
in one statement per table. Every record is made the way the service would have made it: each state is
reached through the domain's transition rules, and every step leaves the event (approval trail), message,
face session, version and change-feed position it would have left."""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from argon2 import PasswordHasher
from sqlalchemy import JSON, Boolean, Date, DateTime, Table, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.domain.accounts import AccountRole
from firmdesk.domain.batches import batch_number
from firmdesk.domain.limits import DEFAULT_MIN_TRAINING_HOURS
from firmdesk.domain.states import Action, ApplicationState, BatchState, Role
from firmdesk.domain.transitions import next_application_state
from firmdesk.server.config import Settings
from firmdesk.server.db.models import (
    Account,
    Application,
    Attachment,
    Base,
    Batch,
    BatchFlag,
    BatchItem,
    ChangeCounter,
    Cpa,
    Event,
    FaceSession,
    Firm,
    Institute,
    Message,
    TrainingHours,
)
from firmdesk.server.db.session import make_engine, make_session_factory, migrate
from firmdesk.server.demo.facts import (
    CPA_PASSWORD,
    DEMO_INSTITUTE_CODE,
    DEMO_INSTITUTE_NAME,
    FIRM_PASSWORD,
    INSTITUTE_PASSWORD,
    MATERIALS_RETIRED,
    MATERIALS_WORKING,
    NOTICE_START,
    NOTICE_SUCCESS,
    PAST_YEARS,
    DemoWindow,
)
from firmdesk.server.demo.people import (
    DEMO_INSTITUTE_STAFF,
    DISTRICTS,
    ETHNICITIES,
    NATIVE_PLACES,
    POLITICAL,
    Profile,
    admin_name,
    id_number,
)
from firmdesk.server.samples import sample_material
from firmdesk.server.security import new_token, password_hasher
from firmdesk.server.storage import AttachmentStore

Store = Callable[[bytes], None]
A = ApplicationState


class Actor(NamedTuple):
    """Who acts in the demo: the organisation (role, member number, name) and the person (account)."""

    role: str
    member_no: str
    name: str
    account_id: int | None
    person: str | None


#: When the demo's organisations got their accounts: before their first inspection in the demo.
ACCOUNTS_CREATED_AT = datetime(PAST_YEARS[0] + 1, 1, 2, 1)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def attachment_sink(storage: AttachmentStore) -> Store:
    """A `Store` putting bytes in the server's attachment storage (content-addressed, type-checked)."""

    def store(data: bytes) -> None:
        storage.save("sample", io.BytesIO(data))

    return store


def discard(data: bytes) -> None:
    """A `Store` that keeps nothing (rows only, for tests of states)."""


#: What the seeding functions fill: an open session (the caller commits), a session factory or
#: the server's settings (migrated first; bytes stored under its data folder; committed here).
SeedTarget = Session | sessionmaker[Session] | Settings


@dataclass(frozen=True)
class Opened:
    session: Session
    store: Store
    hasher: PasswordHasher


@contextmanager
def opened(target: SeedTarget, store: Store | None, hasher: PasswordHasher | None) -> Iterator[Opened]:
    if isinstance(target, Session):
        yield Opened(target, store or discard, hasher or PasswordHasher())
        return
    if isinstance(target, Settings):
        migrate(target)
        engine = make_engine(target)
        try:
            with make_session_factory(engine)() as session:
                storage = AttachmentStore(target.attachments_dir)
                yield Opened(session, store or attachment_sink(storage), hasher or password_hasher(target))
                session.commit()
        finally:
            engine.dispose()
        return
    with target() as session:
        yield Opened(session, store or discard, hasher or PasswordHasher())
        session.commit()


# ----------------------------------------------------------------------------------------------
# Records being built (turned into rows at the end)


@dataclass(slots=True)
class InstituteRecord:
    id: int
    code: str
    name: str
    materials_working: list[str]
    materials_retired: list[str]
    #: The person acting for the institute: its first account (None: an institute without one).
    account_id: int | None
    person: str | None
    #: Its further named staff (审核员), who decide some of the demo's CPAs.
    staff: list[Actor] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        return Actor(Role.INSTITUTE.value, self.code, self.name, self.account_id, self.person)

    def deciding(self, app_id: int) -> Actor:
        """Who decides the application `app_id`: the staff take turns (by id, so the demo stays repeatable)."""
        people = [self.actor, *self.staff]
        return people[app_id % len(people)]


@dataclass(slots=True)
class FirmRecord:
    id: int
    number: str
    name: str
    institute: InstituteRecord
    #: The firm's 主管理员, who does everything the firm does in the demo.
    account_id: int
    person: str
    batch_seq: dict[int, int] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return Actor(Role.FIRM.value, self.number, self.name, self.account_id, self.person)


@dataclass(slots=True)
class AppRecord:
    id: int
    cpa: dict[str, Any]
    firm: FirmRecord
    year: int
    retired: bool
    created_at: datetime
    #: The CPA's account (the person acting as the CPA).
    account_id: int
    state: ApplicationState = A.DRAFT
    batch_id: int | None = None
    last_reason: str | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    version: int = 1
    updated_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.updated_at = self.created_at

    @property
    def actor(self) -> Actor:
        return Actor(Role.CPA.value, self.cpa["cert_no"], self.cpa["name"], self.account_id, self.cpa["name"])

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cpa_id": self.cpa["id"],
            "firm_id": self.firm.id,
            "year": self.year,
            "state": self.state.value,
            "retired": self.retired,
            "batch_id": self.batch_id,
            "last_reason": self.last_reason,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "submitted_at": self.submitted_at,
            "decided_at": self.decided_at,
            "version": self.version,
        }


@dataclass(slots=True)
class BatchRecord:
    id: int
    firm: FirmRecord
    year: int
    seq: int
    submitted_at: datetime
    state: BatchState = BatchState.SUBMITTED
    return_reason: str | None = None
    version: int = 1
    change_seq: int = 0
    items: list[AppRecord] = field(default_factory=list)
    updated_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.updated_at = self.submitted_at

    @property
    def number(self) -> str:
        return batch_number(self.firm.number, self.year, self.seq)

    @property
    def members(self) -> list[AppRecord]:
        """The applications still in the batch (not withdrawn, not returned alone)."""
        return [app for app in self.items if app.batch_id == self.id]

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "firm_id": self.firm.id,
            "year": self.year,
            "seq": self.seq,
            "state": self.state.value,
            "return_reason": self.return_reason,
            "idempotency_key": None,
            "submitted_at": self.submitted_at,
            "updated_at": self.updated_at,
            "version": self.version,
            "change_seq": self.change_seq,
        }


TABLES: tuple[type[Base], ...] = (
    Institute,
    Firm,
    Cpa,
    Account,
    TrainingHours,
    Batch,
    Application,
    BatchItem,
    BatchFlag,
    Attachment,
    Event,
    Message,
    FaceSession,
)


class Builder:
    """Collects rows with ids given up front (so thousands insert in one statement per table)."""

    def __init__(self, opened: Opened, seed: int) -> None:
        session = self.session = opened.session
        self.store = opened.store
        self.rng = random.Random(seed)
        self._next_id = {t: (session.scalar(select(func.max(_table(t).c.id))) or 0) + 1 for t in TABLES}
        self.rows: dict[type[Base], list[dict[str, Any]]] = {t: [] for t in TABLES}
        self.apps: list[AppRecord] = []
        self.batches: list[BatchRecord] = []
        self._stored: dict[tuple[str, str], tuple[str, bytes]] = {}
        self._hasher = opened.hasher
        self._hashes: dict[str, str] = {}
        #: What kind of CPA each is (by CPA id), for placing them in the demo story.
        self.kinds: dict[int, str] = {}
        #: Each CPA's account id (by CPA id).
        self.cpa_accounts: dict[int, int] = {}
        #: Generated firms share one sample file per material instead of one per CPA (fast for thousands).
        self.shared_samples = False

    def new_id(self, table: type[Base]) -> int:
        value = self._next_id[table]
        self._next_id[table] = value + 1
        return value

    def add(self, table: type[Base], **row: object) -> dict[str, Any]:
        row.setdefault("id", self.new_id(table))
        self.rows[table].append(row)
        return row

    def password_hash(self, password: str) -> str:
        """Argon2 is slow on purpose: each distinct password is hashed once and the hash reused."""
        if password not in self._hashes:
            self._hashes[password] = self._hasher.hash(password)
        return self._hashes[password]

    def account(
        self,
        role: Role,
        organisation_id: int,
        login: str,
        person: str,
        password: str,
        org_role: AccountRole | None = None,
    ) -> dict[str, Any]:
        """An organisation's account: by default its first one (a firm's or an institute's 主管理员, or the CPA's
        own); `org_role` for a further named one (an institute's 审核员)."""
        organisation: dict[str, int | None] = {"firm_id": None, "institute_id": None, "cpa_id": None}
        organisation[{Role.FIRM: "firm_id", Role.INSTITUTE: "institute_id", Role.CPA: "cpa_id"}[role]] = organisation_id
        return self.add(
            Account,
            org_kind=role.value,
            **organisation,
            login=login,
            person_name=person,
            password_hash=self.password_hash(password),
            org_role=(org_role or (AccountRole.CPA if role is Role.CPA else AccountRole.ADMIN)).value,
            disabled=False,
            created_at=ACCOUNTS_CREATED_AT,
        )

    # -- attachments

    def attach(
        self, material: str, owner: str, at: datetime, *, application_id: int | None = None, batch_id: int | None = None
    ) -> dict[str, Any]:
        name, data = self._sample(material, owner)
        return self.add(
            Attachment,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            file_type=name.rsplit(".", 1)[1],
            original_name=name,
            material=material,
            uploaded_at=at,
            application_id=application_id,
            batch_id=batch_id,
            removed=False,
        )

    def _sample(self, material: str, owner: str) -> tuple[str, bytes]:
        key = (material, owner)
        if key not in self._stored:
            name, data = sample_material(material, owner)
            self.store(data)
            self._stored[key] = (name, data)
        return self._stored[key]

    # -- events

    def event(
        self,
        actor: Actor,
        action: Action,
        at: datetime,
        *,
        app: AppRecord | None = None,
        batch: BatchRecord | None = None,
        reason: str | None = None,
        from_state: str | None = None,
        to_state: str | None = None,
    ) -> None:
        self.add(
            Event,
            application_id=app.id if app else None,
            batch_id=batch.id if batch else None,
            actor_role=actor.role,
            actor_id=actor.member_no,
            actor_name=actor.name,
            actor_account_id=actor.account_id,
            actor_person=actor.person,
            action=action.value,
            reason=reason,
            from_state=from_state,
            to_state=to_state,
            created_at=at,
        )

    def step(
        self,
        app: AppRecord,
        actor: Actor,
        action: Action,
        at: datetime,
        *,
        reason: str | None = None,
        batch: BatchRecord | None = None,
    ) -> None:
        """Move `app` by `action` under the domain's rules and record the event."""
        if at < app.updated_at:
            raise RuntimeError(f"demo timeline runs backwards for application {app.id}: {action} at {at}")
        new_state = next_application_state(app.state, action)
        self.event(
            actor, action, at, app=app, batch=batch, reason=reason, from_state=app.state.value, to_state=new_state.value
        )
        app.state = new_state
        app.updated_at = at
        app.version += 1

    def message(self, app: AppRecord, at: datetime, title: str, body: str) -> dict[str, Any]:
        return self.add(
            Message, cpa_id=app.cpa["id"], application_id=app.id, title=title, body=body, created_at=at, read_at=None
        )

    # -- rows out

    def flush(self) -> None:
        """Give every change its change-feed position (in time order) and insert all rows."""
        self._number_changes()
        self.rows[Application] = [app.row() for app in self.apps]
        self.rows[Batch] = [batch.row() for batch in self.batches]
        self.rows[BatchItem] = [
            {"id": self.new_id(BatchItem), "batch_id": batch.id, "application_id": app.id}
            for batch in self.batches
            for app in batch.items
        ]
        for table in TABLES:
            if self.rows[table]:
                insert_many(self.session, _table(table), self.rows[table])
        self.session.flush()
        if self.session.get_bind().dialect.name == "postgresql":
            # The ids were given here, so PostgreSQL's sequences never moved: move them past the rows,
            # or the server's next insert would take an id the demo already used.
            for table in TABLES:
                if self.rows[table]:
                    name = _table(table).name
                    self.session.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
                    )

    def _number_changes(self) -> None:
        """Like the server, one change-feed position per use case: the CPAs' import is one, and the
        events one actor made at one moment (e.g. a batch's submission) share one."""
        counter = self.session.get(ChangeCounter, 1)
        seq = (counter.value if counter else 0) + 1
        for cpa in self.rows[Cpa]:
            cpa["change_seq"] = seq
        cpa_of_app = {app.id: app.cpa for app in self.apps}
        batch_by_id = {batch.id: batch for batch in self.batches}
        use_case = None
        for event in sorted(self.rows[Event], key=lambda e: (e["created_at"], e["id"])):
            key = (event["created_at"], event["actor_role"], event["actor_id"])
            if key != use_case:
                seq, use_case = seq + 1, key
            if event["application_id"] is not None:
                cpa_of_app[event["application_id"]]["change_seq"] = seq
            if event["batch_id"] is not None:
                batch_by_id[event["batch_id"]].change_seq = seq
        if counter is None:
            self.session.add(ChangeCounter(id=1, value=seq))
        else:
            self.session.execute(update(ChangeCounter).where(ChangeCounter.id == 1).values(value=seq))


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany per table. On SQLite the values are converted here, as SQLAlchemy would store
    them, and go straight to the driver: for 5,000 CPAs that takes a third of the Core insert's time."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    columns = list(table.columns)
    values_by_column = []
    for column in columns:
        values = [row.get(column.key) for row in rows]
        convert = _SQLITE_CONVERTERS.get(type(column.type))
        values_by_column.append([None if v is None else convert(v) for v in values] if convert else values)
    names = ", ".join(column.name for column in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
    session.connection().exec_driver_sql(sql, list(zip(*values_by_column, strict=True)))


#: How SQLAlchemy stores these types in SQLite (e.g. DateTime as "2026-02-09 08:30:00.000000").
_SQLITE_CONVERTERS: dict[type, Callable[[Any], object]] = {
    DateTime: lambda value: value.isoformat(" ", "microseconds"),
    Date: lambda value: value.isoformat(),
    Boolean: int,
    JSON: json.dumps,
}


def add_cpa(b: Builder, firm: FirmRecord, serial: int, profile: Profile, kind: str = "ordinary") -> dict[str, Any]:
    rng = b.rng
    district = rng.choice(DISTRICTS)
    cpa = b.add(
        Cpa,
        cert_no=f"{firm.number}{serial:04d}",
        name=profile.name,
        firm_id=firm.id,
        ethnicity="汉族" if rng.random() < 0.9 else rng.choice(ETHNICITIES),
        gender=profile.gender,
        birth_date=profile.birth_date,
        id_type="居民身份证",
        id_number=id_number(rng, profile.birth_date, profile.gender),
        native_place=rng.choice(NATIVE_PLACES),
        region=f"重庆市{district}",
        hukou=f"重庆市{rng.choice(DISTRICTS)}",
        political_status=rng.choice(POLITICAL),
        phone="",
        joined_firm_on=profile.joined_firm_on,
        retired=profile.retired,
        qr_token=new_token(),
        change_seq=0,
    )
    b.kinds[cpa["id"]] = kind
    b.cpa_accounts[cpa["id"]] = b.account(Role.CPA, cpa["id"], cpa["cert_no"], profile.name, CPA_PASSWORD)["id"]
    for year, hours in profile.hours.items():
        if profile.joined_firm_on < date(year + 1, 1, 1):
            b.add(TrainingHours, cpa_id=cpa["id"], year=year, hours=hours)
    return cpa


# ----------------------------------------------------------------------------------------------
# Organisations and their accounts


def ensure_institute(
    b: Builder, window: DemoWindow, code: str = DEMO_INSTITUTE_CODE, name: str = DEMO_INSTITUTE_NAME
) -> InstituteRecord:
    """The institute `code` (made, with its 主管理员 and its named staff, if missing)."""
    existing = b.session.scalar(select(Institute).where(Institute.code == code))
    if existing is not None:
        materials = (list(existing.materials_working), list(existing.materials_retired))
        first = b.session.scalar(select(Account).where(Account.institute_id == existing.id).order_by(Account.id))
        acting = (first.id, first.person_name) if first is not None else (None, None)
        return InstituteRecord(existing.id, existing.code, existing.name, *materials, *acting)
    row = b.add(
        Institute,
        code=code,
        name=name,
        current_year=window.current_year,
        window_start=window.window_start,
        deadline=window.deadline,
        notice_start=NOTICE_START.replace(DEMO_INSTITUTE_NAME, name),
        notice_success=NOTICE_SUCCESS.replace(DEMO_INSTITUTE_NAME, name),
        materials_working=MATERIALS_WORKING,
        materials_retired=MATERIALS_RETIRED,
        min_training_hours=float(DEFAULT_MIN_TRAINING_HOURS),
    )
    person = admin_name(code)
    account = b.account(Role.INSTITUTE, row["id"], code, person, INSTITUTE_PASSWORD)
    record = InstituteRecord(row["id"], code, name, MATERIALS_WORKING, MATERIALS_RETIRED, account["id"], person)
    for login, staff in DEMO_INSTITUTE_STAFF.get(code, ()):
        added = b.account(Role.INSTITUTE, row["id"], login, staff, INSTITUTE_PASSWORD, AccountRole.REVIEWER)
        record.staff.append(Actor(Role.INSTITUTE.value, code, name, added["id"], staff))
    return record


def add_firm(b: Builder, institute: InstituteRecord, number: str, name: str) -> FirmRecord:
    """A firm with its 主管理员 (signing in with the firm number and the demo's firm password)."""
    row = b.add(Firm, number=number, name=name, institute_id=institute.id)
    person = admin_name(number)
    account = b.account(Role.FIRM, row["id"], number, person, FIRM_PASSWORD)
    return FirmRecord(row["id"], number, name, institute, account["id"], person)


# ----------------------------------------------------------------------------------------------
# What a seeding made


@dataclass(frozen=True)
class SeedSummary:
    """What a seeding made, for the command line to print."""

    firms: dict[str, int]  # firm number → CPAs
    applications: int
    batches: int
    events: int
    attachments: int
    window: DemoWindow


def summary(b: Builder, window: DemoWindow) -> SeedSummary:
    per_firm: dict[str, int] = {}
    firm_numbers = {row["id"]: row["number"] for row in b.rows[Firm]}
    for cpa in b.rows[Cpa]:
        number = firm_numbers[cpa["firm_id"]]
        per_firm[number] = per_firm.get(number, 0) + 1
    return SeedSummary(per_firm, len(b.apps), len(b.batches), len(b.rows[Event]), len(b.rows[Attachment]), window)
