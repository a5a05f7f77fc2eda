"""Demo and benchmark data: the spec's demo institute and firms, and a generator of firms of any size.

Every record is made the way the service would have made it: each state is reached through the
domain's transition rules, and every step leaves the event (approval trail), message, face session,
version and change-feed position it would have left. Names, ID numbers and firms are fictional.

Dates rule: the inspected year is fixed at 2025 (so batch numbers in docs/api.md stay valid), and the
window is the spec's 2026-01-05 .. 2026-04-30 stretched to cover at least the last 60 days and the
next 90 days: the deadline is always in the future and this year's activity (spread over the last
weeks, never later than now) always falls inside the window. Times are stored as naive UTC.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import JSON, Boolean, Date, DateTime, Table, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.domain.batches import batch_number
from firmdesk.domain.limits import DEFAULT_MIN_TRAINING_HOURS, SOCIAL_SECURITY_MATERIAL
from firmdesk.domain.states import (
    DECISION_ACTIONS,
    DECISION_LABELS,
    Action,
    ApplicationState,
    BatchState,
    Decision,
    Role,
)
from firmdesk.domain.transitions import batch_state_after_decision, next_application_state, next_batch_state
from firmdesk.server.config import Settings
from firmdesk.server.db.models import (
    Application,
    Attachment,
    Base,
    Batch,
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
from firmdesk.server.samples import sample_material
from firmdesk.server.security import new_token, password_hasher
from firmdesk.server.storage import AttachmentStore

A = ApplicationState

DEMO_INSTITUTE_CODE = "50"
DEMO_INSTITUTE_NAME = "重庆市注册会计师协会"
DEMO_FIRM_NUMBER = "50010028"
DEMO_FIRM_NAME = "重庆正宏会计师事务所有限责任公司"
SECOND_FIRM_NUMBER = "50010031"
SECOND_FIRM_NAME = "重庆明信会计师事务所（普通合伙）"
INSTITUTE_PASSWORD = "demo-institute"
FIRM_PASSWORD = "demo1234"
CPA_PASSWORD = "cpa12345"
CURRENT_YEAR = 2025
PAST_YEARS = (2023, 2024)
SPEC_WINDOW_START = date(2026, 1, 5)
SPEC_DEADLINE = date(2026, 4, 30)
MATERIALS_WORKING = ["继续教育证明", "执业情况说明"]
MATERIALS_RETIRED = ["离退休证明", "继续教育证明"]

NOTICE_START = (
    "各位注册会计师：\n"
    "1. 2025年度注册会计师任职资格检查（年检）申请截止时间以系统公告为准，请在截止日前完成申请。\n"
    "2. 请核对个人信息，如需修改请到“注册会计师行业统一监管平台（https://acc.mof.gov.cn/）”修改，"
    "修改完成后等待系统自动同步。\n"
    "3. 在职注册会计师请上传继续教育证明和执业情况说明；离退休注册会计师请上传离退休证明和继续教育证明。\n"
    "4. 本年度培训学时不得少于40学时。\n"
    "5. 确认申请后需进行人脸认证，每天最多可进行20次。如有疑问请联系重庆市注册会计师协会。"
)
NOTICE_SUCCESS = (
    "您的年检申请已提交事务所审核。事务所审核通过后将统一提交重庆市注册会计师协会，"
    "请留意审核进度；如被退回，请根据退回原因修改后再次申请（无需再次人脸认证）。"
)

FIRM_RETURN_REASONS = (
    "继续教育证明不清晰，请重新上传盖章扫描件",
    "执业情况说明缺少本人签字，请补充后再次申请",
    "培训学时与继续教育证明不一致，请核对",
    "上传的继续教育证明为2024年度，请上传2025年度证明",
    "离退休证明缺少单位公章",
)
INSTITUTE_RETURN_REASONS = (
    "本年度培训学时不足40学时，请补足学时后再次申请",
    "执业情况说明未写明本年度签字项目，请补充",
    "年满70周岁，请补充近期体检证明并说明执业情况",
    "本年度内转所，请补充原事务所出具的离所证明",
)
BATCH_RETURN_REASONS = (
    "社保证明材料不完整：缺少2025年10月至12月的缴费记录，请补充后再次申请",
    "社保证明材料未加盖社保经办机构公章，请重新上传",
)
DEFER_REASONS = (
    "被立案调查尚未结案，暂缓年检",
    "本年度培训学时不足且未说明原因，暂缓年检",
)
FAIL_REASONS = (
    "本年度未在事务所实际执业，且未按要求说明情况",
    "连续两年培训学时不足，年检不予通过",
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明辉刚健波鹏飞宇浩俊峰凯毅志建国华亮文博林海东晨阳松"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲燕红梅琳萍婷雪颖倩洁慧佳瑶丹蓉欣怡晶岚琴月"
DISTRICTS = [
    "渝中区",
    "江北区",
    "沙坪坝区",
    "九龙坡区",
    "南岸区",
    "渝北区",
    "巴南区",
    "北碚区",
    "万州区",
    "涪陵区",
    "永川区",
    "合川区",
    "江津区",
    "长寿区",
    "璧山区",
    "大足区",
]
NATIVE_PLACES = [
    "重庆市万州区",
    "重庆市涪陵区",
    "重庆市开州区",
    "四川省南充市",
    "四川省达州市",
    "四川省成都市",
    "湖北省恩施土家族苗族自治州",
    "贵州省遵义市",
    "湖南省常德市",
    "重庆市綦江区",
    "重庆市酉阳县",
]
ETHNICITIES = ("土家族", "苗族", "回族", "满族", "彝族")
POLITICAL = ("群众", "中共党员", "中共党员", "民盟盟员", "九三学社社员", "民建会员", "无党派人士")
FIRM_NAME_CHARS = "恒瑞诚泰德明正信和远嘉华源通达升立衡"
#: Region codes 509900-509999 belong to no real district, so these ID numbers can be nobody's.
FICTIONAL_REGION_PREFIX = "5099"

Store = Callable[[bytes], None]
Actor = tuple[str, str, str]  # role, member number, name


@dataclass(frozen=True)
class DemoWindow:
    """The institute's current year and window, as the dates rule in the module docstring gives them."""

    current_year: int
    window_start: date
    deadline: date
    #: This year's activity happens between these two times.
    activity_start: datetime
    activity_end: datetime


def demo_window(now: datetime) -> DemoWindow:
    today = now.date()
    window_start = min(SPEC_WINDOW_START, today - timedelta(days=60))
    deadline = max(SPEC_DEADLINE, today + timedelta(days=90))
    # The window starts 60 days back at the latest, so 45 days of activity always fit in it.
    return DemoWindow(CURRENT_YEAR, window_start, deadline, now - timedelta(days=45), now - timedelta(minutes=30))


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def attachment_sink(storage: AttachmentStore) -> Store:
    """A `Store` putting bytes in the server's attachment storage (content-addressed, type-checked)."""

    def store(data: bytes) -> None:
        storage.save("sample", io.BytesIO(data))

    return store


def _discard(data: bytes) -> None:
    """A `Store` that keeps nothing (rows only, for tests of states)."""


#: What the seeding functions fill: an open session (the caller commits), a session factory or
#: the server's settings (migrated first; bytes stored under its data folder; committed here).
SeedTarget = Session | sessionmaker[Session] | Settings


@dataclass(frozen=True)
class _Opened:
    session: Session
    store: Store
    hasher: PasswordHasher


@contextmanager
def _opened(target: SeedTarget, store: Store | None, hasher: PasswordHasher | None) -> Iterator[_Opened]:
    if isinstance(target, Session):
        yield _Opened(target, store or _discard, hasher or PasswordHasher())
        return
    if isinstance(target, Settings):
        migrate(target)
        engine = make_engine(target)
        try:
            with make_session_factory(engine)() as session:
                storage = AttachmentStore(target.attachments_dir)
                yield _Opened(session, store or attachment_sink(storage), hasher or password_hasher(target))
                session.commit()
        finally:
            engine.dispose()
        return
    with target() as session:
        yield _Opened(session, store or _discard, hasher or PasswordHasher())
        session.commit()


# ----------------------------------------------------------------------------------------------
# Records being built (turned into rows at the end)


@dataclass(slots=True)
class _InstituteCtx:
    id: int
    code: str
    name: str
    materials_working: list[str]
    materials_retired: list[str]

    @property
    def actor(self) -> Actor:
        return (Role.INSTITUTE.value, self.code, self.name)


@dataclass(slots=True)
class _FirmCtx:
    id: int
    number: str
    name: str
    institute: _InstituteCtx
    batch_seq: dict[int, int] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return (Role.FIRM.value, self.number, self.name)


@dataclass(slots=True)
class _App:
    id: int
    cpa: dict
    firm: _FirmCtx
    year: int
    retired: bool
    created_at: datetime
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
        return (Role.CPA.value, self.cpa["cert_no"], self.cpa["name"])

    def row(self) -> dict:
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
class _Batch:
    id: int
    firm: _FirmCtx
    year: int
    seq: int
    submitted_at: datetime
    state: BatchState = BatchState.SUBMITTED
    return_reason: str | None = None
    version: int = 1
    change_seq: int = 0
    items: list[_App] = field(default_factory=list)
    updated_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.updated_at = self.submitted_at

    @property
    def number(self) -> str:
        return batch_number(self.firm.number, self.year, self.seq)

    @property
    def members(self) -> list[_App]:
        """The applications still in the batch (not withdrawn, not returned alone)."""
        return [app for app in self.items if app.batch_id == self.id]

    def row(self) -> dict:
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


_TABLES: tuple[type[Base], ...] = (
    Institute,
    Firm,
    Cpa,
    TrainingHours,
    Batch,
    Application,
    BatchItem,
    Attachment,
    Event,
    Message,
    FaceSession,
)


class _Builder:
    """Collects rows with ids given up front (so thousands insert in one statement per table)."""

    def __init__(self, opened: _Opened, seed: int) -> None:
        session = self.session = opened.session
        self.store = opened.store
        self.rng = random.Random(seed)
        self._next_id = {t: (session.scalar(select(func.max(t.id))) or 0) + 1 for t in _TABLES}
        self.rows: dict[type[Base], list[dict]] = {t: [] for t in _TABLES}
        self.apps: list[_App] = []
        self.batches: list[_Batch] = []
        self._stored: dict[tuple[str, str], tuple[str, bytes]] = {}
        self._hasher = opened.hasher
        self._hashes: dict[str, str] = {}
        #: What kind of CPA each is (by CPA id), for placing them in the demo story.
        self.kinds: dict[int, str] = {}
        #: Generated firms share one sample file per material instead of one per CPA (fast for thousands).
        self.shared_samples = False

    def new_id(self, table: type[Base]) -> int:
        value = self._next_id[table]
        self._next_id[table] = value + 1
        return value

    def add(self, table: type[Base], **row: object) -> dict:
        row.setdefault("id", self.new_id(table))
        self.rows[table].append(row)
        return row

    def password_hash(self, password: str) -> str:
        """Argon2 is slow on purpose: each distinct password is hashed once and the hash reused."""
        if password not in self._hashes:
            self._hashes[password] = self._hasher.hash(password)
        return self._hashes[password]

    # -- attachments

    def attach(
        self, material: str, owner: str, at: datetime, *, application_id: int | None = None, batch_id: int | None = None
    ) -> dict:
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
        app: _App | None = None,
        batch: _Batch | None = None,
        reason: str | None = None,
        from_state: str | None = None,
        to_state: str | None = None,
    ) -> None:
        role, member_no, name = actor
        self.add(
            Event,
            application_id=app.id if app else None,
            batch_id=batch.id if batch else None,
            actor_role=role,
            actor_id=member_no,
            actor_name=name,
            action=action.value,
            reason=reason,
            from_state=from_state,
            to_state=to_state,
            created_at=at,
        )

    def step(
        self,
        app: _App,
        actor: Actor,
        action: Action,
        at: datetime,
        *,
        reason: str | None = None,
        batch: _Batch | None = None,
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

    def message(self, app: _App, at: datetime, title: str, body: str) -> dict:
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
        for table in _TABLES:
            if self.rows[table]:
                _insert_many(self.session, table.__table__, self.rows[table])
        self.session.flush()

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


def _insert_many(session: Session, table: Table, rows: list[dict]) -> None:
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


# ----------------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class _Profile:
    """What a CPA row is made of, before it has an id."""

    name: str
    gender: str
    birth_date: date
    retired: bool
    joined_firm_on: date
    #: Training hours by year.
    hours: dict[int, float]


def _name(rng: random.Random, gender: str, taken: set[str]) -> str:
    given_chars = GIVEN_MALE if gender == "男" else GIVEN_FEMALE
    while True:
        given = "".join(rng.choice(given_chars) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def _id_number(rng: random.Random, birth: date, gender: str) -> str:
    """An 18-character ID number in the national shape (with its check digit), in a region that does not exist."""
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "男" else 0)
    body = f"{FICTIONAL_REGION_PREFIX}{rng.randrange(100):02d}{birth:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _profile(
    rng: random.Random,
    taken: set[str],
    *,
    age: int | None = None,
    retired: bool | None = None,
    low_hours: bool = False,
    moved: bool = False,
) -> _Profile:
    """A fictional CPA; unspecified traits are drawn with realistic odds."""
    gender = "男" if rng.random() < 0.55 else "女"
    if age is None:
        age = rng.randint(70, 78) if rng.random() < 0.03 else rng.choice((rng.randint(28, 45), rng.randint(28, 66)))
    birth = date(CURRENT_YEAR - age, rng.randint(1, 12), rng.randint(1, 28))
    if retired is None:
        retired = age >= (60 if gender == "男" else 55) and rng.random() < 0.7
    if moved:
        joined = date(CURRENT_YEAR, rng.randint(2, 10), rng.randint(1, 28))
    else:
        joined = date(rng.randint(min(max(birth.year + 25, 2000), 2024), 2024), rng.randint(1, 12), rng.randint(1, 28))
    hours = {year: float(rng.choice((40, 42, 44, 48, 52, 56, 60, 64, 72, 80))) for year in (*PAST_YEARS, CURRENT_YEAR)}
    if low_hours:
        hours[CURRENT_YEAR] = float(rng.choice((16, 20, 24, 28, 32, 36)))
    return _Profile(_name(rng, gender, taken), gender, birth, retired, joined, hours)


def _add_cpa(b: _Builder, firm: _FirmCtx, serial: int, profile: _Profile, kind: str = "ordinary") -> dict:
    rng = b.rng
    district = rng.choice(DISTRICTS)
    cpa = b.add(
        Cpa,
        cert_no=f"{firm.number}{serial:04d}",
        name=profile.name,
        password_hash=b.password_hash(CPA_PASSWORD),
        firm_id=firm.id,
        ethnicity="汉族" if rng.random() < 0.9 else rng.choice(ETHNICITIES),
        gender=profile.gender,
        birth_date=profile.birth_date,
        id_type="居民身份证",
        id_number=_id_number(rng, profile.birth_date, profile.gender),
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
    for year, hours in profile.hours.items():
        if profile.joined_firm_on < date(year + 1, 1, 1):
            b.add(TrainingHours, cpa_id=cpa["id"], year=year, hours=hours)
    return cpa


# ----------------------------------------------------------------------------------------------
# What CPAs, firms and the institute do


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(0, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randint(0, span))


def _later(rng: random.Random, at: datetime, lo_minutes: int = 3, hi_minutes: int = 90) -> datetime:
    return at + timedelta(minutes=rng.randint(lo_minutes, hi_minutes))


class _Story:
    """The steps of the inspection, each leaving the records the service would leave."""

    def __init__(self, b: _Builder) -> None:
        self.b = b
        self.rng = b.rng

    def start(self, cpa: dict, firm: _FirmCtx, year: int, at: datetime) -> _App:
        """The CPA starts an application and uploads the materials its status requires."""
        b = self.b
        app = _App(b.new_id(Application), cpa, firm, year, cpa["retired"], at)
        b.apps.append(app)
        b.event(app.actor, Action.START, at, app=app, to_state=A.DRAFT.value)
        institute = firm.institute
        materials = institute.materials_retired if app.retired else institute.materials_working
        owner = firm.number if b.shared_samples else cpa["cert_no"]
        for material in materials:
            b.attach(material, owner, _later(self.rng, at, 1, 20), application_id=app.id)
        return app

    def face(self, app: _App, at: datetime, passed: bool) -> None:
        self.b.add(
            FaceSession,
            token=new_token(),
            cpa_id=app.cpa["id"],
            application_id=app.id,
            status="passed" if passed else "failed",
            created_at=at - timedelta(minutes=2),
            resolved_at=at,
        )
        self.b.step(app, app.actor, Action.FACE_PASSED if passed else Action.FACE_FAILED, at)
        if passed:
            app.submitted_at = at

    def apply(self, cpa: dict, firm: _FirmCtx, year: int, start: datetime, *, failures: int = 0) -> _App:
        """Start, upload, then face verification (after `failures` failed tries): pending the firm."""
        app = self.start(cpa, firm, year, start)
        at = _later(self.rng, start, 25, 40)
        for _ in range(failures):
            self.face(app, at, passed=False)
            at = _later(self.rng, at, 2, 30)
        self.face(app, at, passed=True)
        return app

    def firm_return(self, app: _App, at: datetime, reason: str) -> None:
        self.b.step(app, app.firm.actor, Action.FIRM_RETURN, at, reason=reason)
        app.last_reason = reason
        self._notify_return(app, at, app.firm.actor, reason)

    def _notify_return(self, app: _App, at: datetime, by: Actor, reason: str) -> None:
        """The CPA's message, worded as the server words it (services/messages.py)."""
        role, _, name = by
        who = "事务所" if role == Role.FIRM.value else "地方注协"
        self.b.message(
            app,
            at,
            f"{app.year}年度年检申请被{who}退回",
            f"您的{app.year}年度年检申请被{who}（{name}）退回。退回原因：{reason}\n请修改后再次申请。",
        )

    def _notify_decision(self, app: _App, at: datetime, label: str, reason: str | None) -> None:
        body = f"您的{app.year}年度年检结果：{label}。" + (f"原因：{reason}" if reason else "")
        self.b.message(app, at, f"{app.year}年度年检结果：{label}", body)

    def resubmit(self, app: _App, at: datetime) -> None:
        for message in self.b.rows[Message]:
            if message["application_id"] == app.id and message["read_at"] is None:
                message["read_at"] = at - timedelta(minutes=5)
        self.b.step(app, app.actor, Action.RESUBMIT, at)
        app.submitted_at = at
        app.last_reason = None  # as the server's own resubmit: the return's reason stays in the trail only

    def submit_batch(self, firm: _FirmCtx, year: int, apps: Sequence[_App], at: datetime) -> _Batch:
        b = self.b
        seq = firm.batch_seq.get(year, 0) + 1
        firm.batch_seq[year] = seq
        batch = _Batch(b.new_id(Batch), firm, year, seq, at)
        b.batches.append(batch)
        b.attach(SOCIAL_SECURITY_MATERIAL, batch.number, at - timedelta(minutes=1), batch_id=batch.id)
        for app in apps:
            b.step(app, firm.actor, Action.SUBMIT_BATCH, at, batch=batch)
            app.batch_id = batch.id
            app.last_reason = None
            batch.items.append(app)
        b.event(firm.actor, Action.SUBMIT_BATCH, at, batch=batch, to_state=batch.state.value)
        return batch

    def _batch_step(self, batch: _Batch, actor: Actor, action: Action, at: datetime, reason: str | None = None) -> None:
        """A whole-batch action: recorded once on the batch and once on each of its applications."""
        new_state = next_batch_state(batch.state, action)
        self.b.event(
            actor, action, at, batch=batch, reason=reason, from_state=batch.state.value, to_state=new_state.value
        )
        batch.state = new_state
        batch.updated_at = at
        batch.version += 1
        for app in batch.members:
            self.b.step(app, actor, action, at, reason=reason, batch=batch)

    def withdraw(self, batch: _Batch, at: datetime) -> None:
        members = batch.members
        self._batch_step(batch, batch.firm.actor, Action.WITHDRAW_BATCH, at)
        for app in members:
            app.batch_id = None

    def return_batch(self, batch: _Batch, at: datetime, reason: str) -> None:
        self._batch_step(batch, batch.firm.institute.actor, Action.RETURN_BATCH, at, reason)
        batch.return_reason = reason

    def resubmit_batch(self, batch: _Batch, at: datetime) -> None:
        """The firm replaces the social-security proof and sends the returned batch again."""
        for attachment in self.b.rows[Attachment]:
            if attachment["batch_id"] == batch.id:
                attachment["removed"] = True
        self.b.attach(SOCIAL_SECURITY_MATERIAL, f"{batch.number}-2", at - timedelta(minutes=2), batch_id=batch.id)
        self._batch_step(batch, batch.firm.actor, Action.RESUBMIT_BATCH, at)
        batch.return_reason = None

    def decide(self, batch: _Batch, app: _App, decision: Decision, at: datetime, reason: str | None = None) -> None:
        institute = batch.firm.institute.actor
        self.b.step(app, institute, DECISION_ACTIONS[decision], at, reason=reason, batch=batch)
        app.last_reason = reason
        if decision is Decision.RETURN:
            app.batch_id = None
            self._notify_return(app, at, institute, reason or DECISION_LABELS[decision])
        else:
            app.decided_at = at
            self._notify_decision(app, at, decision.label, reason)
        # Newest members first: undecided ones are found at once, so big batches stay linear.
        members = (m.state for m in reversed(batch.items) if m.batch_id == batch.id)
        new_state = batch_state_after_decision(batch.state, members)
        if new_state is not batch.state:  # the batch's own event, as the server records it
            self.b.event(
                institute,
                DECISION_ACTIONS[decision],
                at,
                batch=batch,
                from_state=batch.state.value,
                to_state=new_state.value,
            )
        batch.state = new_state
        batch.updated_at = at
        batch.version += 1

    def review(self, batch: _Batch, start: datetime, outcomes: Iterable[tuple[Decision, str | None]]) -> datetime:
        """The institute decides the batch's members in order, one `outcomes` entry each; the rest stay."""
        at = start
        for app, (decision, reason) in zip(list(batch.members), outcomes, strict=False):
            at = _later(self.rng, at, 1, 5)
            self.decide(batch, app, decision, at, reason)
        return at


# ----------------------------------------------------------------------------------------------
# Institute and firms


def _ensure_institute(b: _Builder, window: DemoWindow) -> _InstituteCtx:
    existing = b.session.scalar(select(Institute).where(Institute.code == DEMO_INSTITUTE_CODE))
    if existing is not None:
        materials = (list(existing.materials_working), list(existing.materials_retired))
        return _InstituteCtx(existing.id, existing.code, existing.name, *materials)
    row = b.add(
        Institute,
        code=DEMO_INSTITUTE_CODE,
        name=DEMO_INSTITUTE_NAME,
        password_hash=b.password_hash(INSTITUTE_PASSWORD),
        current_year=window.current_year,
        window_start=window.window_start,
        deadline=window.deadline,
        notice_start=NOTICE_START,
        notice_success=NOTICE_SUCCESS,
        materials_working=MATERIALS_WORKING,
        materials_retired=MATERIALS_RETIRED,
        min_training_hours=float(DEFAULT_MIN_TRAINING_HOURS),
    )
    return _InstituteCtx(row["id"], DEMO_INSTITUTE_CODE, DEMO_INSTITUTE_NAME, MATERIALS_WORKING, MATERIALS_RETIRED)


def _add_firm(b: _Builder, institute: _InstituteCtx, number: str, name: str) -> _FirmCtx:
    row = b.add(Firm, number=number, name=name, password_hash=b.password_hash(FIRM_PASSWORD), institute_id=institute.id)
    return _FirmCtx(row["id"], number, name, institute)


def _past_years(story: _Story, firm: _FirmCtx, cpas: list[dict], batch_size: tuple[int, int]) -> None:
    """Earlier years: everyone at the firm then applied; batches reviewed, nearly all approved."""
    rng = story.rng
    for year in PAST_YEARS:
        start, end = datetime(year + 1, 1, 6, 1), datetime(year + 1, 4, 25, 8)
        eligible = [cpa for cpa in cpas if cpa["joined_firm_on"] < date(year + 1, 1, 1)]
        groups = _chunks(rng, eligible, batch_size)
        for index, group in enumerate(groups):
            submit_at = (start + (end - start) * (index + 0.6) / (len(groups) + 0.5)).replace(microsecond=0)
            apps = [story.apply(cpa, firm, year, _between(rng, start, submit_at - timedelta(hours=2))) for cpa in group]
            batch = story.submit_batch(firm, year, apps, submit_at)
            outcomes = [_past_outcome(rng) for _ in apps]
            story.review(batch, submit_at + timedelta(days=rng.randint(2, 6)), outcomes)


def _past_outcome(rng: random.Random) -> tuple[Decision, str | None]:
    roll = rng.random()
    if roll < 0.02:
        return Decision.DEFER, rng.choice(DEFER_REASONS)
    if roll < 0.03:
        return Decision.FAIL, rng.choice(FAIL_REASONS)
    return Decision.APPROVE, None


def _chunks(rng: random.Random, items: list, size: tuple[int, int]) -> list[list]:
    """`items` cut into groups of a random size in `size` (the last may be smaller)."""
    groups, index = [], 0
    while index < len(items):
        n = rng.randint(*size)
        groups.append(items[index : index + n])
        index += n
    return groups


# ----------------------------------------------------------------------------------------------
# The demo: institute 50, firm 50010028 in every state, firm 50010031 for isolation


@dataclass(frozen=True)
class SeedSummary:
    """What a seeding made, for the command line to print."""

    firms: dict[str, int]  # firm number → CPAs
    applications: int
    batches: int
    events: int
    attachments: int
    window: DemoWindow


#: The demo firm's roster: how many CPAs of each kind, and their traits.
_DEMO_ROSTER: tuple[tuple[int, str, dict], ...] = (
    (44, "ordinary", {"age": None, "retired": False}),
    (5, "retired", {"age": 63, "retired": True}),
    (3, "senior_retired", {"age": 72, "retired": True}),
    (1, "senior", {"age": 71, "retired": False}),
    (4, "low_hours", {"low_hours": True, "retired": False}),
    (3, "moved", {"moved": True, "age": 36, "retired": False}),
)
#: The CPAs the institute looks at closely, shown pending the firm's review (the readiness check's cases).
_DEMO_PENDING_KINDS = {"low_hours": 4, "moved": 2, "senior_retired": 1}


def seed_demo(
    target: SeedTarget,
    *,
    store: Store | None = None,
    hasher: PasswordHasher | None = None,
    now: datetime | None = None,
    seed: int = 2025,
) -> SeedSummary:
    """Fill a database with the spec's demo data (see the module docstring and `SeedTarget`).

    Refuses (ValueError) if the demo firm already exists: the command line's `--reset` starts afresh.
    Institute 50 is reused if a generated firm made it first.
    """
    with _opened(target, store, hasher) as opened:
        if opened.session.scalar(select(Firm.id).where(Firm.number == DEMO_FIRM_NUMBER)) is not None:
            raise ValueError(f"演示数据已存在（事务所 {DEMO_FIRM_NUMBER}）：如需重建请使用 --reset")
        now = now or utc_now()
        b = _Builder(opened, seed)
        story = _Story(b)
        window = demo_window(now)
        institute = _ensure_institute(b, window)
        demo = _add_firm(b, institute, DEMO_FIRM_NUMBER, DEMO_FIRM_NAME)
        demo_cpas = _demo_roster(b, demo)
        _past_years(story, demo, demo_cpas, (25, 35))
        _demo_current_year(story, demo, demo_cpas, window)
        second = _add_firm(b, institute, SECOND_FIRM_NUMBER, SECOND_FIRM_NAME)
        taken: set[str] = set()
        second_cpas = [_add_cpa(b, second, i, _profile(b.rng, taken)) for i in range(1, 9)]
        _past_years(story, second, second_cpas, (10, 10))
        _second_firm_current_year(story, second, second_cpas, window)
        b.flush()
        return _summary(b, window)


def _summary(b: _Builder, window: DemoWindow) -> SeedSummary:
    per_firm: dict[str, int] = {}
    firm_numbers = {row["id"]: row["number"] for row in b.rows[Firm]}
    for cpa in b.rows[Cpa]:
        number = firm_numbers[cpa["firm_id"]]
        per_firm[number] = per_firm.get(number, 0) + 1
    return SeedSummary(per_firm, len(b.apps), len(b.batches), len(b.rows[Event]), len(b.rows[Attachment]), window)


def _demo_roster(b: _Builder, firm: _FirmCtx) -> list[dict]:
    taken: set[str] = set()
    people = [(kind, _profile(b.rng, taken, **traits)) for count, kind, traits in _DEMO_ROSTER for _ in range(count)]
    b.rng.shuffle(people)
    return [_add_cpa(b, firm, serial, profile, kind) for serial, (kind, profile) in enumerate(people, start=1)]


class _Clock:
    """Points in this year's activity period, as fractions of it."""

    def __init__(self, window: DemoWindow) -> None:
        self.start, self.end = window.activity_start, window.activity_end

    def at(self, fraction: float) -> datetime:
        return (self.start + (self.end - self.start) * fraction).replace(microsecond=0)


def _demo_current_year(story: _Story, firm: _FirmCtx, cpas: list[dict], window: DemoWindow) -> None:
    """Firm 50010028 in 2025: every application state and every batch state (60 CPAs, see the comments)."""
    rng, clock, year = story.rng, _Clock(window), window.current_year
    # The readiness cases wait for the firm's review; the other seniors and movers were approved early on.
    by_kind: dict[str, list[dict]] = {}
    for cpa in cpas:
        by_kind.setdefault(story.b.kinds[cpa["id"]], []).append(cpa)
    pending = [c for kind, n in _DEMO_PENDING_KINDS.items() for c in by_kind[kind][:n]]
    notable = [c for kind in ("senior_retired", "senior", "moved") for c in by_kind[kind] if c not in pending]
    others = by_kind["ordinary"] + by_kind["retired"]
    rng.shuffle(others)
    pool = iter(notable + others)

    def take(n: int) -> list[dict]:
        return [next(pool) for _ in range(n)]

    def applied(group: list[dict], before: float, after: float = 0.0, failures: int = 0) -> list[_App]:
        return [
            story.apply(c, firm, year, _between(rng, clock.at(after), clock.at(before)), failures=failures)
            for c in group
        ]

    reasons = _Cycle(rng)
    # Batch 1, reviewed: 12 approved, 1 deferred, 1 failed, 2 returned (one of them already resubmitted).
    b1 = story.submit_batch(firm, year, applied(take(16), 0.2), clock.at(0.22))
    outcomes = [(Decision.APPROVE, None)] * 12 + [
        (Decision.DEFER, reasons.pick(DEFER_REASONS)),
        (Decision.FAIL, reasons.pick(FAIL_REASONS)),
        (Decision.RETURN, reasons.pick(INSTITUTE_RETURN_REASONS)),
        (Decision.RETURN, reasons.pick(INSTITUTE_RETURN_REASONS)),
    ]
    story.review(b1, clock.at(0.3), outcomes)
    story.resubmit(b1.items[-1], clock.at(0.5))
    # Batch 2, withdrawn by the firm: its 4 go back to pending; 2 of them go again in batch 5.
    b2 = story.submit_batch(firm, year, applied(take(4), 0.33, 0.1), clock.at(0.35))
    story.withdraw(b2, clock.at(0.37))
    # Batch 3, returned whole by the institute (its 5 stay submitted in it).
    b3 = story.submit_batch(firm, year, applied(take(5), 0.4, 0.1), clock.at(0.42))
    story.return_batch(b3, clock.at(0.6), reasons.pick(BATCH_RETURN_REASONS))
    # Batch 4, reviewing: 2 approved, 1 deferred, 1 returned to the CPA, 3 still waiting.
    b4 = story.submit_batch(firm, year, applied(take(7), 0.5, 0.2), clock.at(0.52))
    story.review(
        b4,
        clock.at(0.7),
        [
            (Decision.APPROVE, None),
            (Decision.APPROVE, None),
            (Decision.DEFER, reasons.pick(DEFER_REASONS)),
            (Decision.RETURN, reasons.pick(INSTITUTE_RETURN_REASONS)),
        ],
    )
    # Batch 5, returned and sent again with a new social-security proof: submitted.
    b5 = story.submit_batch(firm, year, applied(take(3), 0.55, 0.3), clock.at(0.57))
    story.return_batch(b5, clock.at(0.65), reasons.pick(BATCH_RETURN_REASONS))
    story.resubmit_batch(b5, clock.at(0.75))
    # Batch 6, just submitted: 3 new and 2 from the withdrawn batch 2 (it can still be withdrawn).
    story.submit_batch(firm, year, applied(take(3), 0.85, 0.4) + b2.items[:2], clock.at(0.9))
    # Pending the firm: the 7 readiness cases, 2 after a firm return and a resubmission.
    applied(pending, 0.95, 0.3)
    for app in applied(take(2), 0.5, 0.2):
        story.firm_return(app, _later(rng, clock.at(0.6)), reasons.pick(FIRM_RETURN_REASONS))
        story.resubmit(app, _later(rng, clock.at(0.8)))
    # Returned by the firm, waiting for the CPA.
    for app in applied(take(4), 0.8, 0.3):
        story.firm_return(app, _later(rng, clock.at(0.85), 30, 600), reasons.pick(FIRM_RETURN_REASONS))
    # Drafts: started, two after failed face verification.
    for index, cpa in enumerate(take(3)):
        app = story.start(cpa, firm, year, _between(rng, clock.at(0.7), clock.at(0.95)))
        if index < 2:
            story.face(app, _later(rng, app.created_at, 25, 40), passed=False)
    # The rest have not applied yet (未申请).


class _Cycle:
    """Picks reasons so that consecutive picks from one list differ."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: dict[int, int] = {}

    def pick(self, choices: tuple[str, ...]) -> str:
        index = self._used.get(id(choices), self._rng.randrange(len(choices)))
        self._used[id(choices)] = index + 1
        return choices[index % len(choices)]


def _second_firm_current_year(story: _Story, firm: _FirmCtx, cpas: list[dict], window: DemoWindow) -> None:
    """Firm 50010031 in 2025: one submitted batch of 3, 2 pending, 1 returned by the firm, 1 draft, 1 not applied."""
    rng, clock, year = story.rng, _Clock(window), window.current_year

    def applied(group: list[dict], before: float) -> list[_App]:
        return [story.apply(c, firm, year, _between(rng, clock.at(0.1), clock.at(before))) for c in group]

    story.submit_batch(firm, year, applied(cpas[:3], 0.5), clock.at(0.55))
    applied(cpas[3:5], 0.9)
    for app in applied(cpas[5:6], 0.6):
        story.firm_return(app, clock.at(0.7), FIRM_RETURN_REASONS[0])
    story.start(cpas[6], firm, year, clock.at(0.8))


# ----------------------------------------------------------------------------------------------
# Generated firms (benchmarks): any size, realistic proportions

#: This year's fates of a generated firm's CPAs and their weights; "batch" CPAs go to the institute.
_GENERATED_FATES = {"none": 8, "draft": 5, "pending": 12, "firm_returned": 3, "batch": 72}
#: Outcomes of a reviewed batch's CPAs and their weights.
_REVIEW_WEIGHTS = {Decision.APPROVE: 93, Decision.DEFER: 2, Decision.FAIL: 1, Decision.RETURN: 4}
_REASONS = {
    Decision.APPROVE: (None,),
    Decision.DEFER: DEFER_REASONS,
    Decision.FAIL: FAIL_REASONS,
    Decision.RETURN: INSTITUTE_RETURN_REASONS,
}
MAX_GENERATED_CPAS = 9999  # certificate numbers are the firm number + 4 digits


def generate_firm(
    target: SeedTarget,
    cpas: int,
    number: str | None = None,
    seed: int = 0,
    *,
    store: Store | None = None,
    hasher: PasswordHasher | None = None,
    now: datetime | None = None,
) -> SeedSummary:
    """Add a firm of `cpas` CPAs to institute 50 (made if missing): past years approved, this year spread out."""
    if not 1 <= cpas <= MAX_GENERATED_CPAS:
        raise ValueError(f"注册会计师人数应在 1 到 {MAX_GENERATED_CPAS} 之间")
    with _opened(target, store, hasher) as opened:
        session = opened.session
        if number is not None and session.scalar(select(Firm.id).where(Firm.number == number)) is not None:
            raise ValueError(f"事务所 {number} 已存在")
        now = now or utc_now()
        b = _Builder(opened, seed)
        b.shared_samples = True
        story = _Story(b)
        window = demo_window(now)
        institute = _ensure_institute(b, window)
        firm = _add_firm(b, institute, number or _free_firm_number(session), _firm_name(b.rng))
        taken: set[str] = set()
        people = [_add_cpa(b, firm, serial, _profile(b.rng, taken)) for serial in range(1, cpas + 1)]
        _past_years(story, firm, people, (20, 200))
        _generated_current_year(story, firm, people, window)
        b.flush()
        return _summary(b, window)


def _free_firm_number(session: Session) -> str:
    used = set(session.scalars(select(Firm.number)))
    return next(str(n) for n in range(50019001, 50020000) if str(n) not in used)


def _firm_name(rng: random.Random) -> str:
    return f"重庆{''.join(rng.sample(FIRM_NAME_CHARS, 2))}会计师事务所（特殊普通合伙）"


def _batch_kinds(count: int) -> list[str]:
    """The states of a firm's batches, oldest first: reviewed ones, then one of each other state."""
    tail = ["withdrawn", "returned", "reviewing", "submitted"][-count:] if count else []
    return ["reviewed"] * (count - len(tail)) + tail


def _generated_current_year(story: _Story, firm: _FirmCtx, cpas: list[dict], window: DemoWindow) -> None:
    rng, clock, year = story.rng, _Clock(window), window.current_year
    fates = rng.choices(list(_GENERATED_FATES), weights=list(_GENERATED_FATES.values()), k=len(cpas))
    by_fate: dict[str, list[dict]] = {fate: [] for fate in _GENERATED_FATES}
    for cpa, fate in zip(cpas, fates, strict=True):
        by_fate[fate].append(cpa)

    def apply(cpa: dict, before: datetime) -> _App:
        failures = rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 1, 2))
        return story.apply(cpa, firm, year, _between(rng, clock.at(0.0), before), failures=failures)

    groups = _chunks(rng, by_fate["batch"], (20, 200))
    for index, (group, kind) in enumerate(zip(groups, _batch_kinds(len(groups)), strict=True)):
        submit_at = clock.at(0.1 + 0.75 * (index + 0.5) / len(groups))
        apps = [apply(cpa, submit_at - timedelta(hours=3)) for cpa in group]
        _finish_batch(story, story.submit_batch(firm, year, apps, submit_at), kind, clock)
    for cpa in by_fate["pending"]:
        apply(cpa, clock.at(0.97))
    for cpa in by_fate["firm_returned"]:
        story.firm_return(apply(cpa, clock.at(0.9)), clock.at(0.95), rng.choice(FIRM_RETURN_REASONS))
    for cpa in by_fate["draft"]:
        story.start(cpa, firm, year, _between(rng, clock.at(0.0), clock.at(0.97)))


def _finish_batch(story: _Story, batch: _Batch, kind: str, clock: _Clock) -> None:
    """Take a just-submitted batch to the state `kind` as the firm and the institute would."""
    rng, at = story.rng, _later(story.rng, batch.submitted_at, 60 * 24, 60 * 48)
    if kind == "withdrawn":
        story.withdraw(batch, _later(rng, batch.submitted_at, 10, 120))
    elif kind == "returned":
        story.return_batch(batch, at, rng.choice(BATCH_RETURN_REASONS))
    elif kind in ("reviewed", "reviewing"):
        count = len(batch.items) if kind == "reviewed" else len(batch.items) // 2
        outcomes = rng.choices(list(_REVIEW_WEIGHTS), weights=list(_REVIEW_WEIGHTS.values()), k=count)
        end = story.review(batch, at, [(d, rng.choice(_REASONS[d])) for d in outcomes])
        for app in batch.items:
            if app.state is A.INSTITUTE_RETURNED and rng.random() < 0.5:
                story.resubmit(app, _later(rng, end, 60, 60 * 24))
