"""ORM models of the reference server (SQLAlchemy 2, typed). States are stored as their code strings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from firmdesk.domain.states import Role


class Base(DeclarativeBase):
    pass


class Institute(Base):
    """A provincial institute (地方注协); `code` is its first account's login id (e.g. 50, 重庆)."""

    __tablename__ = "institutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    current_year: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    notice_start: Mapped[str] = mapped_column(Text, default="")
    notice_success: Mapped[str] = mapped_column(Text, default="")
    materials_working: Mapped[list[str]] = mapped_column(JSON, default=list)
    materials_retired: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_training_hours: Mapped[float] = mapped_column(Float, default=40)

    firms: Mapped[list[Firm]] = relationship(back_populates="institute")
    accounts: Mapped[list[Account]] = relationship(back_populates="institute", order_by="Account.id")


class Firm(Base):
    """An accounting firm (会计师事务所); `number` (8 digits) is its first account's login id."""

    __tablename__ = "firms"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)

    institute: Mapped[Institute] = relationship(back_populates="firms")
    cpas: Mapped[list[Cpa]] = relationship(back_populates="firm")
    accounts: Mapped[list[Account]] = relationship(back_populates="firm", order_by="Account.id")


class Cpa(Base):
    """A CPA (注册会计师); `cert_no` (12 digits) is its account's login id. Personal info: the MOF platform."""

    __tablename__ = "cpas"

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_no: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    ethnicity: Mapped[str] = mapped_column(String(20), default="汉族")
    gender: Mapped[str] = mapped_column(String(4), default="男")
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    id_type: Mapped[str] = mapped_column(String(30), default="居民身份证")
    id_number: Mapped[str] = mapped_column(String(30), default="")
    native_place: Mapped[str] = mapped_column(String(50), default="")
    region: Mapped[str] = mapped_column(String(50), default="")
    hukou: Mapped[str] = mapped_column(String(100), default="")
    political_status: Mapped[str] = mapped_column(String(20), default="群众")
    phone: Mapped[str] = mapped_column(String(20), default="")
    #: The date the CPA joined this firm (a move within the inspected year is flagged).
    joined_firm_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Retired is remembered and preset next year.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Random, never changes, reveals nothing: the inspection QR code's token.
    qr_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: Change-feed position of the last change to this CPA or its applications.
    change_seq: Mapped[int] = mapped_column(Integer, default=0, index=True)

    firm: Mapped[Firm] = relationship(back_populates="cpas")
    training: Mapped[list[TrainingHours]] = relationship(back_populates="cpa")
    account: Mapped[Account | None] = relationship(back_populates="cpa")


#: Exactly one organisation per account, the one its `org_kind` names.
ACCOUNT_ONE_ORGANISATION = (
    "(org_kind = 'firm' AND firm_id IS NOT NULL AND institute_id IS NULL AND cpa_id IS NULL)"
    " OR (org_kind = 'institute' AND institute_id IS NOT NULL AND firm_id IS NULL AND cpa_id IS NULL)"
    " OR (org_kind = 'cpa' AND cpa_id IS NOT NULL AND firm_id IS NULL AND institute_id IS NULL)"
)


class Account(Base):
    """A person who signs in (账户), for exactly one organisation: a firm, an institute or a CPA.

    `login` is unique per kind of organisation; each organisation's first account has the login id the
    organisation always had (firm number, institute code, certificate number). A CPA's account is the CPA.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("org_kind", "login"),
        CheckConstraint(ACCOUNT_ONE_ORGANISATION, name="ck_accounts_one_organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The kind of organisation (a `Role` value: firm, institute, cpa): what the login screen asks for.
    org_kind: Mapped[str] = mapped_column(String(12))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), nullable=True, index=True)
    institute_id: Mapped[int | None] = mapped_column(ForeignKey("institutes.id"), nullable=True, index=True)
    cpa_id: Mapped[int | None] = mapped_column(ForeignKey("cpas.id"), nullable=True, unique=True)
    login: Mapped[str] = mapped_column(String(40))
    #: The person's name (e.g. the firm's 主管理员 张丽; a CPA's account: the CPA's name).
    person_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    #: The person's role in the organisation (`firmdesk.domain.accounts.AccountRole`).
    org_role: Mapped[str] = mapped_column(String(12))
    #: A disabled account cannot sign in and its tokens stop working.
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    firm: Mapped[Firm | None] = relationship(back_populates="accounts")
    institute: Mapped[Institute | None] = relationship(back_populates="accounts")
    cpa: Mapped[Cpa | None] = relationship(back_populates="account")

    @property
    def role(self) -> Role:
        return Role(self.org_kind)

    @property
    def organisation(self) -> Firm | Institute | Cpa:
        """The firm, institute or CPA the account belongs to (only that relationship is loaded)."""
        role = self.role
        organisation = self.firm if role is Role.FIRM else self.institute if role is Role.INSTITUTE else self.cpa
        assert organisation is not None, "an account always belongs to the organisation its org_kind names"
        return organisation


class TrainingHours(Base):
    __tablename__ = "training_hours"
    __table_args__ = (UniqueConstraint("cpa_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cpa_id: Mapped[int] = mapped_column(ForeignKey("cpas.id"))
    year: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)

    cpa: Mapped[Cpa] = relationship(back_populates="training")


class Application(Base):
    """One CPA's application for one inspection year (年检申请)."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("cpa_id", "year"),
        Index("ix_applications_firm_year_state", "firm_id", "year", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cpa_id: Mapped[int] = mapped_column(ForeignKey("cpas.id"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(24))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The open batch the application is in (None once withdrawn or decided alone).
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True, index=True)
    #: The reason of the last return, deferral or failure (shown in the tabs).
    last_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # to the firm
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    cpa: Mapped[Cpa] = relationship()
    batch: Mapped[Batch | None] = relationship(foreign_keys=[batch_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", foreign_keys="Attachment.application_id"
    )


class Batch(Base):
    """A numbered batch (年检批次) of applications a firm submits to its institute."""

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("firm_id", "year", "seq"),
        UniqueConstraint("firm_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    change_seq: Mapped[int] = mapped_column(Integer, default=0, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    firm: Mapped[Firm] = relationship()
    items: Mapped[list[BatchItem]] = relationship(back_populates="batch", order_by="BatchItem.id")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="batch", foreign_keys="Attachment.batch_id")


class BatchItem(Base):
    """Membership of an application in a batch, kept after withdrawal so a batch always shows its CPAs."""

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)

    batch: Mapped[Batch] = relationship(back_populates="items")
    application: Mapped[Application] = relationship()


class Attachment(Base):
    """An uploaded file (附件): bytes on disk by content hash, the original name for display only."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    file_type: Mapped[str] = mapped_column(String(8))  # pdf, jpg, png, xls, xlsx
    original_name: Mapped[str] = mapped_column(String(200))
    material: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), nullable=True, index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True, index=True)
    #: Removed from its batch or application (kept for the trail, no longer listed).
    removed: Mapped[bool] = mapped_column(Boolean, default=False)

    application: Mapped[Application | None] = relationship(back_populates="attachments", foreign_keys=[application_id])
    batch: Mapped[Batch | None] = relationship(back_populates="attachments", foreign_keys=[batch_id])


class Event(Base):
    """An immutable record of one transition: the approval trail (审批流程)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), nullable=True, index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True, index=True)
    actor_role: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[str] = mapped_column(String(20))  # the organisation's member number
    actor_name: Mapped[str] = mapped_column(String(100))  # the organisation's name
    #: The person who acted (None: the system, e.g. auto-review, or an event older than accounts).
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True, index=True)
    actor_person: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    from_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Message(Base):
    """A message in a CPA's inbox (returns notify the CPA)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    cpa_id: Mapped[int] = mapped_column(ForeignKey("cpas.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class FaceSession(Base):
    """A face-verification session of the (pluggable, here simulated) provider."""

    __tablename__ = "face_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    cpa_id: Mapped[int] = mapped_column(ForeignKey("cpas.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, passed, failed
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuthToken(Base):
    """A bearer token of an account; only its hash is stored. Logout revokes it."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    account: Mapped[Account] = relationship()


class LoginFailure(Base):
    """A failed login, counted by the login protection (docs/security.md): per account and address, per
    address across accounts, per account from everywhere, and overall.

    Keyed by what was typed (kind of organisation and login), so unknown logins are counted too."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_who", "role", "member_no", "at"),
        Index("ix_login_failures_client", "client", "at"),
        Index("ix_login_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(12))
    member_no: Mapped[str] = mapped_column(String(20))
    #: The client address (`firmdesk.server.client_address`).
    client: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(DateTime)


class LoginAddress(Base):
    """An address an account signed in from, and when last: its usual addresses stay open when it is locked."""

    __tablename__ = "login_addresses"
    __table_args__ = (UniqueConstraint("role", "member_no", "client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(12))
    member_no: Mapped[str] = mapped_column(String(20))
    client: Mapped[str] = mapped_column(String(64))
    last_success_at: Mapped[datetime] = mapped_column(DateTime)


class IdempotentRequest(Base):
    """The stored answer to a request made with an Idempotency-Key, replayed on a retry."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(40))  # e.g. firm:50010028
    key: Mapped[str] = mapped_column(String(80))
    #: The operation the key was used for (`firm.withdraw`, see `services.idempotency.Operation`).
    operation: Mapped[str] = mapped_column("endpoint", String(100))
    #: sha256 of the request (command, target id, uploads' sha256): the same key for another request is refused.
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status_code: Mapped[int] = mapped_column(Integer)
    response_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ChangeCounter(Base):
    """One row: the last change-feed position handed out (CPAs and batches carry their own)."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class RateBucket(Base):
    """A token bucket of a rate limit (`bucket`, e.g. `public.request`) for one client address.

    In the database, so that every worker process counts against the same buckets: `tokens` left at `at`
    (Unix time, seconds); it refills at the limit's rate. A row whose bucket is full again is deleted."""

    __tablename__ = "rate_buckets"
    __table_args__ = (Index("ix_rate_buckets_at", "at"),)

    bucket: Mapped[str] = mapped_column(String(40), primary_key=True)
    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    at: Mapped[float] = mapped_column(Float)


# --- The year's rules set by the institute (migration 0006_institute_rules) ---


class Extension(Base):
    """An extension (延期) the institute granted to one firm or one CPA for its current year, until a day."""

    __tablename__ = "extensions"
    __table_args__ = (
        CheckConstraint("(firm_id IS NULL) <> (cpa_id IS NULL)", name="ck_extensions_one_target"),
        Index("ix_extensions_institute_year", "institute_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"))
    year: Mapped[int] = mapped_column(Integer)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), nullable=True, index=True)
    cpa_id: Mapped[int | None] = mapped_column(ForeignKey("cpas.id"), nullable=True, index=True)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(DateTime)
    granted_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    granted_by_person: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    revoked_by_person: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IdentityCheckRecord(Base):
    """线下人工核验: the institute checked the CPA's identity in person for this application."""

    __tablename__ = "identity_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    cpa_id: Mapped[int] = mapped_column(ForeignKey("cpas.id"), index=True)
    checked_on: Mapped[date] = mapped_column(Date)
    document_type: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    checked_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    checked_by_person: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class BatchFlag(Base):
    """A readiness flag an application carried when its batch was submitted (yellow: allowed, shown to the
    institute; red ones are refused before a batch exists)."""

    __tablename__ = "batch_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    level: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
