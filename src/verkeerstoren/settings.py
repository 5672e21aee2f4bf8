"""Typed settings, read once from the environment (prefix VERKEERSTOREN_) and passed explicitly."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from verkeerstoren.outbound import Outbound, parse_networks

# Used only in development and tests; any other environment refuses to start with it.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused in production


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


def _default_data_dir() -> Path:
    """The shared open-data folder lies beside the checkout (../shared/data)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data"
        if (parent / "pyproject.toml").exists() and candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared" / "data"


class Settings(BaseSettings):
    """Every setting the application reads; documented in docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="VERKEERSTOREN_", extra="ignore")

    environment: Environment = Field(
        default=Environment.DEVELOPMENT, description="development, test or production."
    )
    database_url: str = Field(
        default="sqlite:///verkeerstoren.db",
        description="SQLAlchemy URL; sqlite:///file.db (default) or postgresql://…",
    )
    secret_key: str = Field(
        default=DEV_SECRET_KEY,
        description="Signs session cookies and CSRF tokens. Required outside development.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder with the open data sets (shared/data) used by the demo region.",
    )
    default_locale: str = Field(
        default="nl", description="Language of the user interface: nl or en."
    )
    session_max_age_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="How long a login stays valid."
    )
    pull_enabled: bool = Field(
        default=True,
        description="Poll the providers' registered CSV/JSON endpoints every minute (scheduled "
        "pull). Never runs in the test environment, where tests start pulls themselves.",
    )
    outbound_allowed_networks: str = Field(
        default="",
        description="Comma-separated IP networks (e.g. 127.0.0.0/8,::1) that pull and webhook "
        "URLs may reach although they are internal; empty refuses every loopback, private, "
        "link-local, multicast, reserved or unspecified address. For development and tests.",
    )
    database_wait_seconds: float = Field(
        default=2.0, gt=0, le=60,
        description="How long a request waits for its turn at the database (a free connection; "
        "on SQLite also the write lock) before it is answered 503 with Retry-After.",
    )
    database_pool_size: int = Field(
        default=10, ge=1, le=200,
        description="PostgreSQL connections a process keeps; under load it opens up to twice "
        "as many more, at most 20.",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Send cookies only over HTTPS; defaults to true outside development/test.",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        weak = self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32
        if self.environment is Environment.PRODUCTION and weak:
            raise ValueError(
                    "VERKEERSTOREN_SECRET_KEY must be set to a random value of at least "
                    "32 characters outside development"
                )
        try:
            parse_networks(self.outbound_allowed_networks)
        except ValueError as exc:
            raise ValueError(f"VERKEERSTOREN_OUTBOUND_ALLOWED_NETWORKS: {exc}") from exc
        if self.default_locale not in ("nl", "en"):
            raise ValueError("VERKEERSTOREN_DEFAULT_LOCALE must be nl or en")
        return self

    @property
    def outbound(self) -> Outbound:
        """The policy for pull and webhook requests (see :mod:`verkeerstoren.outbound`)."""
        return Outbound.from_networks(self.outbound_allowed_networks)

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment is Environment.PRODUCTION
