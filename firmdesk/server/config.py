"""Settings of the reference CMIS server: every setting declared once (env prefix `CMIS_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """One settings object per server; pass it to `create_app` (or set `CMIS_*` environment variables)."""

    model_config = SettingsConfigDict(env_prefix="CMIS_", extra="ignore")

    #: Folder of the SQLite file and of the attachments (`data_dir/attachments/`).
    data_dir: Path = Field(default=Path("cmis-data"))
    #: SQLAlchemy URL; default `sqlite:///{data_dir}/cmis.sqlite3`. PostgreSQL works unchanged.
    database_url: str | None = None
    #: Base URL that QR codes and face-verification links point to; default: the URL the request came in on.
    public_base_url: str | None = None
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
    #: SQLite busy timeout: how long a writer waits for another writer's lock.
    sqlite_busy_timeout_ms: int = 15000
    #: Public verification page (`/v/{token}`): requests a minute per client address (0 = no limit).
    public_requests_per_minute: int = Field(default=30, ge=0)
    #: ... and unknown tokens a minute per client address: past this, the client is refused (429) for a
    #: while even for real tokens, so that guessing tokens does not pay (0 = no limit).
    public_misses_per_minute: int = Field(default=10, ge=0)
    #: Client addresses the rate limiter remembers at most (the least recently seen are forgotten first).
    public_rate_limit_clients: int = Field(default=10_000, ge=1)

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
