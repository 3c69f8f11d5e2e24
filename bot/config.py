"""Settings from the environment, as the interface contract names them."""

from __future__ import annotations

import os
from dataclasses import dataclass
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
    public_base_url: str = ""  # where people reach the bot's web server, for download links
    export_signing_key: str = ""  # empty: a key kept in the database

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
            app_type=env.get("MICROSOFT_APP_TYPE") or "SingleTenant",
            public_base_url=env.get("PUBLIC_BASE_URL", ""),
            export_signing_key=env.get("EXPORT_SIGNING_KEY", ""),
        )



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
