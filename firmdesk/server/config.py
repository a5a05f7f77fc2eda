"""Settings of the reference CMIS server: every setting declared once (env prefix `CMIS_`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from firmdesk.server.client_address import TrustedProxies


class Settings(BaseSettings):
    """One settings object per server; pass it to `create_app` (or set `CMIS_*` environment variables)."""

    model_config = SettingsConfigDict(env_prefix="CMIS_", extra="ignore")

    #: Folder of the SQLite file and of the attachments (`data_dir/attachments/`).
    data_dir: Path = Field(default=Path("cmis-data"))
    #: SQLAlchemy URL; default `sqlite:///{data_dir}/cmis.sqlite3`. PostgreSQL works unchanged.
    database_url: str | None = None
    #: Base URL that QR codes and face-verification links point to (e.g. `https://cmis.example.cn`): the only
    #: source of those URLs. Unset, they use the address the server listens on (never a request header), fit
    #: only for one machine; `serve` warns at start.
    public_base_url: str | None = None
    #: Proxies whose `X-Forwarded-For` is believed: comma-separated IPs or CIDR networks; default none (the
    #: TCP peer is the client). Set it to the reverse proxy's address when there is one.
    trusted_proxies: str = ""
    #: Lifetime of a bearer token.
    token_hours: float = 12
    #: Let a background thread decide submitted batches as the institute (demo mode).
    auto_review: bool = False
    #: Age a submitted batch must reach before the auto-review decides it.
    auto_review_delay_s: float = 20
    #: Face-verification provider; only "simulated" ships.
    face_provider: str = "simulated"
    #: Test hook: seconds to sleep in every /firm request (to prove the client stays responsive).
    debug_delay_s: float = 0
    #: argon2 cost; tests lower it (time_cost=1, memory_kib=1024) because the defaults are slow on purpose.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    #: Seconds between two removals of unreferenced attachment files older than a day (0: never while serving).
    attachment_gc_interval_s: float = Field(default=6 * 3600, ge=0)
    #: SQLite busy timeout: how long a writer waits for another writer's lock (and, on both databases, for
    #: its turn in the worker's queue of writers: `db/write_queue.py`).
    sqlite_busy_timeout_ms: int = 15000
    #: Requests that run inside one worker process at once, reads and writes each (the rest wait their turn
    #: without a thread or a connection: `api/in_flight.py`). Small on purpose: a worker is one Python
    #: process, and more requests at once only make them wait for each other (docs/benchmarks.md).
    requests_in_flight: int = Field(default=3, ge=1, le=1000)
    writes_in_flight: int = Field(default=1, ge=1, le=1000)
    #: Public verification page (`/v/{token}`): requests a minute per client address (0 = no limit).
    public_requests_per_minute: int = Field(default=30, ge=0)
    #: ... and unknown tokens a minute per client address: past this, the client is refused (429) for a
    #: while even for real tokens, so that guessing tokens does not pay (0 = no limit).
    public_misses_per_minute: int = Field(default=10, ge=0)

    #: Login protection (all counted in the database, so it holds across workers; docs/security.md).
    #: Failures of one account from all addresses within 15 minutes that lock it for addresses it has not
    #: signed in from (its usual addresses keep working).
    login_account_max_failures: int = Field(default=20, ge=1)
    #: Failures from one address across all accounts within 15 minutes before that address is slowed down.
    login_address_max_failures: int = Field(default=20, ge=1)
    #: Failures from all addresses within a minute that trip the global slowdown (usual addresses exempt).
    login_global_max_failures: int = Field(default=300, ge=1)
    #: An address that signed in to an account within this many days is one of its usual addresses.
    login_usual_address_days: int = Field(default=30, ge=1)

    #: Outgoing mail (password-reset codes, reminders; docs/deploy.md). Mails are queued in the database
    #: (`outbox_mails`) in the same transaction as their cause and delivered by one background deliverer.
    #: Unset host: nothing is sent, mails stay queued (the demo shows them at /demo/mail).
    smtp_host: str | None = None
    #: 25 plain, 587 with STARTTLS, 465 with SSL (set `smtp_starttls` / `smtp_ssl` to match).
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    #: The From address, e.g. `CMIS 年检系统 <noreply@cicpa.example.cn>`.
    smtp_from: str = "CMIS <noreply@localhost>"
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    #: Seconds an SMTP connection may take to answer.
    smtp_timeout_s: float = Field(default=30, gt=0)
    #: Seconds between two rounds of the mail deliverer (0: this process delivers nothing, e.g. a worker).
    mail_delivery_interval_s: float = Field(default=5, ge=0)
    #: Attempts of one mail before it is given up (its last error is kept).
    mail_max_attempts: int = Field(default=5, ge=1, le=50)
    #: Seconds before the first retry of a failed mail; doubled for each further attempt (at most an hour).
    mail_retry_base_s: float = Field(default=60, ge=0)
    #: Seconds between two rounds of the automatic reminders (30/14/7/3 days before the deadline; 0: none).
    auto_reminder_interval_s: float = Field(default=600, ge=0)
    #: Demo only: `/demo/mail` lists every queued and sent mail (codes included). Never in production.
    demo_mail_page: bool = False

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        from firmdesk.server.client_address import TrustedProxies

        TrustedProxies.parse(value)  # raises with a message naming the setting
        return value

    @model_validator(mode="after")
    def _one_smtp_security(self) -> Settings:
        if self.smtp_starttls and self.smtp_ssl:
            raise ValueError("CMIS_SMTP_STARTTLS and CMIS_SMTP_SSL cannot both be on (587: STARTTLS, 465: SSL)")
        return self

    @model_validator(mode="after")
    def _absolute_data_dir(self) -> Settings:
        self.data_dir = Path(self.data_dir).expanduser().resolve()
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'cmis.sqlite3'}"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def proxies(self) -> TrustedProxies:
        from firmdesk.server.client_address import TrustedProxies

        return TrustedProxies.parse(self.trusted_proxies)


#: `serve` logs this at start when CMIS_PUBLIC_BASE_URL is unset.
NO_PUBLIC_BASE_URL_WARNING = (
    "未设置 CMIS_PUBLIC_BASE_URL：二维码和人脸核验链接将使用服务器的监听地址，打印后手机可能无法打开。"
    "正式部署请设置为对外的 https 地址（CMIS_PUBLIC_BASE_URL is unset: QR URLs use the listening address）"
)


def fast_test_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for tests and benchmarks: cheap password hashes, everything under `data_dir`."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
