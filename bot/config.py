"""Settings from the environment, as the interface contract names them."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from storage.database import DEFAULT_DATABASE_URL

EXAMPLE_FORUM_CONFIG = Path(__file__).parent / "forum_example.yaml"


@dataclass(frozen=True)
class Settings:
    port: int = 3978
    host: str = ""  # empty: all interfaces when authenticated, loopback when not
    database_url: str = DEFAULT_DATABASE_URL
    forum_config: Path = EXAMPLE_FORUM_CONFIG
    scheduler_interval_seconds: float = 30.0
    # How long a reminder may stay claimed by a replica before another one
    # takes over: far longer than one delivery with its retries.
    reminder_claim_timeout_seconds: float = 300.0
    # How many bot processes run for this app: they share Teams' budget for
    # the tenant (about 30 requests/s), each sending at most its part.
    replicas: int = 1
    app_id: str = ""
    app_password: str = ""
    app_tenant_id: str = ""
    app_type: str = "SingleTenant"
    # Tenants whose activities are served; empty with a tenant id: that
    # tenant alone; empty without one: any (local use).
    allowed_tenant_ids: frozenset[str] = frozenset()
    # Channel tokens' OpenID metadata and issuer; empty: Azure's public
    # cloud. Not read from the environment: the tests sign their own tokens.
    openid_metadata_url: str = ""
    token_issuer: str = ""
    # Serve unauthenticated requests on a non-loopback HOST anyway.
    allow_unauthenticated: bool = False
    log_format: str = "text"  # or "json": one object a line
    public_base_url: str = ""  # where people reach the bot's web server, for download links
    export_signing_key: str = ""  # empty: a key kept in the database
    # Years a needs report keeps its contact fields and drafts after its
    # year; 0: for as long as the report is kept.
    retention_years: int = 0
    # From SIGTERM: how long the sends begun may take before they are
    # cancelled and their reminders given back.
    shutdown_grace_seconds: float = 20.0
    # Bearer token for GET /metrics; empty: only clients on this host.
    metrics_token: str = ""
    # The Bot Framework SDK at the edge (bot.edge.sdk). Settings made in code
    # take it from the environment too, so that the test suite runs on the
    # edge BOT_SDK names.
    bot_sdk: str = field(default_factory=lambda: bot_sdk_named(os.environ.get("BOT_SDK", "")))

    def __post_init__(self) -> None:
        # A start that cannot be safe or cannot work stops here, with one
        # line that names the setting, instead of failing at the first message.
        if self.bot_sdk not in BOT_SDKS:
            raise ValueError(f"BOT_SDK must be one of {', '.join(BOT_SDKS)}, not {self.bot_sdk!r}")
        if self.log_format not in ("text", "json"):
            raise ValueError(f"LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.app_type not in APP_TYPES:
            raise ValueError(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}, not {self.app_type!r}")
        if self.authenticated:
            if self.app_type != "UserAssignedMSI" and not self.app_password:
                raise ValueError("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not")
            if self.app_type != "MultiTenant" and not self.app_tenant_id:
                raise ValueError(f"MICROSOFT_APP_TYPE={self.app_type} needs MICROSOFT_APP_TENANT_ID")
        elif not _is_loopback(self.listen_host) and not self.allow_unauthenticated:
            raise ValueError(
                f"MICROSOFT_APP_ID is not set, so anyone who reaches HOST={self.listen_host} could speak as anyone: "
                "set MICROSOFT_APP_ID (with MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID), "
                "listen on a loopback HOST, or set ALLOW_UNAUTHENTICATED=1"
            )

    @property
    def served_tenants(self) -> frozenset[str]:
        """The tenants served; empty: every tenant (unauthenticated local use)."""
        if self.allowed_tenant_ids:
            return self.allowed_tenant_ids
        return frozenset({self.app_tenant_id.lower()}) if self.app_tenant_id else frozenset()

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id)

    @property
    def listen_host(self) -> str:
        # Unauthenticated, anyone who can reach the port can speak as anyone.
        return self.host or ("0.0.0.0" if self.authenticated else "127.0.0.1")

    @property
    def base_url(self) -> str:
        return (self.public_base_url or f"http://localhost:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            port=_number(env, "PORT", 3978, int, 0, 65535),
            host=env.get("HOST", ""),
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            forum_config=Path(env.get("FORUM_CONFIG") or EXAMPLE_FORUM_CONFIG),
            scheduler_interval_seconds=_number(env, "SCHEDULER_INTERVAL_SECONDS", 30, float, 0),
            reminder_claim_timeout_seconds=_number(env, "REMINDER_CLAIM_TIMEOUT_SECONDS", 300, float, 1),
            replicas=_number(env, "REPLICAS", 1, int, 1),
            app_id=env.get("MICROSOFT_APP_ID", ""),
            app_password=env.get("MICROSOFT_APP_PASSWORD", ""),
            app_tenant_id=env.get("MICROSOFT_APP_TENANT_ID", ""),
            app_type=_app_type(env.get("MICROSOFT_APP_TYPE") or "SingleTenant"),
            allowed_tenant_ids=frozenset(
                t.strip().lower() for t in env.get("ALLOWED_TENANT_IDS", "").split(",") if t.strip()
            ),
            allow_unauthenticated=env.get("ALLOW_UNAUTHENTICATED", "").strip().lower() in ("1", "true", "yes"),
            log_format=(env.get("LOG_FORMAT") or "text").strip().lower(),
            public_base_url=env.get("PUBLIC_BASE_URL", ""),
            export_signing_key=env.get("EXPORT_SIGNING_KEY", ""),
            retention_years=_number(env, "RETENTION_YEARS", 0, int, 0, 100),
            shutdown_grace_seconds=_number(env, "SHUTDOWN_GRACE_SECONDS", 20, float, 0, 3600),
            metrics_token=env.get("METRICS_TOKEN", ""),
            bot_sdk=bot_sdk_named(env.get("BOT_SDK", "")),
        )


APP_TYPES = ("SingleTenant", "MultiTenant", "UserAssignedMSI")
BOT_SDKS = ("agents", "botbuilder")  # the first is the default: the supported SDK


def bot_sdk_named(raw: str) -> str:
    """The edge a BOT_SDK value names; unset, the default."""
    return raw.strip().lower() or BOT_SDKS[0]


def _app_type(raw: str) -> str:
    """The app type as botbuilder spells it; an unknown one is kept, to be refused."""
    return next((t for t in APP_TYPES if t.lower() == raw.strip().lower()), raw)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may resolve to anything
        return False


def _number(env, name: str, default, kind: type, least: float, most: float = float("inf")):
    """A numeric setting; a wrong one names itself, so the start can say which."""
    raw = env.get(name) or ""
    if not raw.strip():
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not least <= value <= most:
        bound = f"from {least:g} to {most:g}" if most != float("inf") else f"of at least {least:g}"
        whole = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {whole} {bound}, not {raw!r}")
    return value
