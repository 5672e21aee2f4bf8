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
    cookie_secure: bool | None = Field(
        default=None,
        description="Send cookies only over HTTPS; defaults to true outside development/test.",
    )
    hold_minutes: int = Field(
        default=30, ge=1, le=24 * 60,
        description="How long a reservation holds a bed when the coordinator does not choose.",
    )
    hold_minutes_min: int = Field(
        default=5, ge=1, le=24 * 60,
        description="The shortest hold a coordinator may choose (tests lower it to 1).",
    )
    hold_minutes_max: int = Field(
        default=240, ge=1, le=24 * 60, description="The longest hold a coordinator may choose.",
    )
    hold_warning_minutes: int = Field(
        default=5, ge=0, le=24 * 60,
        description="Warn the provider and the requester this long before a hold expires.",
    )
    hold_expiry: bool | None = Field(
        default=None,
        description="Release expired holds (and warn before) in the background; on by default, "
        "off in the test environment unless set to true.",
    )
    hold_expiry_check_seconds: float = Field(
        default=15.0, gt=0, le=3600,
        description="How often the server looks for holds to warn about or release.",
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
        if not self.hold_minutes_min <= self.hold_minutes <= self.hold_minutes_max:
            raise ValueError("VERKEERSTOREN_HOLD_MINUTES must lie between "
                             "VERKEERSTOREN_HOLD_MINUTES_MIN and VERKEERSTOREN_HOLD_MINUTES_MAX")
        return self

    @property
    def outbound(self) -> Outbound:
        """The policy for pull and webhook requests (see :mod:`verkeerstoren.outbound`)."""
        return Outbound.from_networks(self.outbound_allowed_networks)

    @property
    def runs_hold_expiry(self) -> bool:
        """Whether the server releases expired holds by itself (tests expire them by hand)."""
        if self.hold_expiry is not None:
            return self.hold_expiry
        return self.environment is not Environment.TEST

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment is Environment.PRODUCTION
