"""Typed settings, read once from the environment (prefix VERKEERSTOREN_) and passed explicitly."""

from __future__ import annotations

import ipaddress
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
    login_max_failures_per_account: int = Field(
        default=5, ge=1, le=1000,
        description="Failed logins for one e-mail address within the window before further "
        "attempts are refused (429 with Retry-After); a successful login resets the count.",
    )
    login_max_failures_per_address: int = Field(
        default=50, ge=1, le=100_000,
        description="Failed logins from one IP address within the window before further "
        "attempts from it are refused (one hospital may share one address: keep it generous).",
    )
    login_failure_window_minutes: int = Field(
        default=15, ge=1, le=24 * 60,
        description="How long a failed login counts towards the limits.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-Proto and X-Forwarded-For are believed (scheme for HSTS and cookies, "
        "client address for the audit log and login limits); empty believes no proxy.",
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
    audit_checkpoint_file: Path = Field(
        default=Path("var") / "audit-checkpoints.jsonl",
        description="Where the server appends a signed checkpoint of the audit log's chain "
        "heads (JSON lines); `audit verify --since-checkpoint` reads it.",
    )
    audit_checkpoint_seconds: int = Field(
        default=300, ge=0, le=86_400,
        description="How often the server writes an audit checkpoint; 0 turns it off. Off in "
        "the test environment.",
    )
    audit_checkpoint_key: str = Field(
        default="",
        description="Signs audit checkpoints (HMAC-SHA256); empty derives a key from "
        "SECRET_KEY.",
    )
    audit_checkpoint_webhook: str = Field(
        default="",
        description="Optional URL that receives every audit checkpoint as a JSON POST.",
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
    help_contact: str = Field(
        default="", max_length=300,
        description="Whom users call for help, shown on the help page (for example the "
        "coordination point's name and phone number); empty shows a general sentence.",
    )

    log_format: str | None = Field(
        default=None,
        description="Log lines as 'json' (one JSON object a line) or 'text'; unset: json in "
        "production, text otherwise.",
    )
    retention_days: float = Field(
        default=90, gt=0, le=3650,
        description="Personal data of a placement request (patient details, free texts) is "
        "removed this many days after the request closed; aggregates and KPIs are kept.",
    )
    retention_purge_seconds: float = Field(
        default=3600, ge=0, le=86_400,
        description="How often the server purges personal data past its retention; 0 turns "
        "it off (run `verkeerstoren purge` instead). Off in the test environment.",
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
        for proxy in self.trusted_proxy_list:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                # uvicorn would take a typo for a literal host name and never match it.
                raise ValueError(f"VERKEERSTOREN_TRUSTED_PROXIES: {proxy!r} is not an IP "
                                 "address or network") from exc
        if self.default_locale not in ("nl", "en"):
            raise ValueError("VERKEERSTOREN_DEFAULT_LOCALE must be nl or en")
        if self.log_format not in (None, "json", "text"):
            raise ValueError("VERKEERSTOREN_LOG_FORMAT must be json or text")
        if not self.hold_minutes_min <= self.hold_minutes <= self.hold_minutes_max:
            raise ValueError("VERKEERSTOREN_HOLD_MINUTES must lie between "
                             "VERKEERSTOREN_HOLD_MINUTES_MIN and VERKEERSTOREN_HOLD_MINUTES_MAX")
        return self

    @property
    def outbound(self) -> Outbound:
        """The policy for pull and webhook requests (see :mod:`verkeerstoren.outbound`)."""
        return Outbound.from_networks(self.outbound_allowed_networks)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

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

    @property
    def json_logs(self) -> bool:
        """Whether the server writes JSON log lines (docs/operations.md lists the fields)."""
        if self.log_format is not None:
            return self.log_format == "json"
        return self.environment is Environment.PRODUCTION
