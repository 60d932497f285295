"""Settings: read once from the environment, validated, immutable.

A bad value raises ConfigError whose message names the variable; the CLI turns it into
one line on stderr and exit code 2.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from server.core.bounds import BOUND_VARIABLES, Bounds
from server.core.secrets import Secret, mask_url

T = TypeVar("T")

APP_ENVS = ("development", "staging", "production")
# The original deployment plan: manual in development, every 6 h in staging, 2 h in production.
DEFAULT_SYNC_CRON = {"development": "", "staging": "0 */6 * * *", "production": "0 */2 * * *"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text")
# Which requests get an access-log line (at LOG_LEVEL INFO or lower; server.http.access_log).
ACCESS_LOG_CHOICES = ("all", "errors", "sampled")
# Human-readable lines on a developer's terminal; one JSON object per line for collectors.
DEFAULT_LOG_FORMAT = {"development": "text", "staging": "json", "production": "json"}

DEFAULT_UPSTREAMS = {
    "MODELS_DEV_URL": "https://models.dev/api.json",
    "OPENROUTER_URL": "https://openrouter.ai/api/v1/models?output_modalities=all",
    "HUGGINGFACE_URL": "https://huggingface.co/api/models?sort=downloads&direction=-1&limit=100",
    "ARTIFICIAL_ANALYSIS_URL": "https://artificialanalysis.ai/api/v2/data/llms/models",
}

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    database_url: str | None = None
    database_read_url: str | None = None
    db_pool_size: int = 10
    redis_url: str | None = None
    port: int = 3000
    host: str = "0.0.0.0"  # noqa: S104 - a server in a container must listen on all interfaces
    admin_token: Secret | None = None
    sync_cron: str = ""
    # Sync once at start-up when the catalog is empty (every APP_ENV); false turns it off.
    sync_on_startup: bool = True
    sync_timeout_ms: int = 45_000
    api_retry_ms: int = 1_500
    db_retry_ms: int = 2_000
    db_startup_timeout_ms: int = 60_000
    rate_limit_per_minute: int = 2_000
    trusted_proxies: tuple[IpNetwork, ...] = ()
    cors_origins: tuple[str, ...] = ("*",)
    models_dev_url: str = DEFAULT_UPSTREAMS["MODELS_DEV_URL"]
    openrouter_url: str = DEFAULT_UPSTREAMS["OPENROUTER_URL"]
    huggingface_url: str = DEFAULT_UPSTREAMS["HUGGINGFACE_URL"]
    artificial_analysis_url: str = DEFAULT_UPSTREAMS["ARTIFICIAL_ANALYSIS_URL"]
    artificial_analysis_api_key: Secret | None = None
    huggingface_max_pages: int = 5
    sync_history_retention_days: int = 30
    rate_limit_ms: int = 100
    log_level: str = "INFO"
    log_format: str = "json"
    access_log: str = "all"
    access_log_sample_every: int = 100
    graphql_fast_path: bool = False
    migration_lock_wait_ms: int = 300_000
    migration_lock_timeout_ms: int = 10_000
    migration_statement_timeout_ms: int = 600_000
    data_dir: Path = field(
        default_factory=lambda: Path(platformdirs.user_data_dir("effect-models"))
    )
    bounds: Bounds = field(default_factory=Bounds)  # hostile-client limits (server.core.bounds)

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def __repr__(self) -> str:
        shown = {
            "app_env": self.app_env,
            "database_url": mask_url(self.database_url) if self.database_url else None,
            "redis_url": mask_url(self.redis_url) if self.redis_url else None,
            "port": self.port,
            "sync_cron": self.sync_cron,
            "sync_on_startup": self.sync_on_startup,
            "admin_token": self.admin_token,
            "artificial_analysis_api_key": self.artificial_analysis_api_key,
        }
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ", ...)"


# ---------------------------------------------------------------- value parsers


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"must be an integer between {low} and {high}, got {raw!r}") from None
        if not low <= value <= high:
            raise ValueError(f"must be an integer between {low} and {high}, got {value}")
        return value

    return parse


def _one_of(choices: tuple[str, ...], upper: bool = False) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().upper() if upper else raw.strip().lower()
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {raw!r}")
        return value

    return parse


def _url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme not in schemes:
            raise ValueError(
                f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}"
            )
        return value

    return parse


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", ""):
        raise ValueError(f"must be true or false, got {raw!r}")
    return value in ("true", "1", "yes")


def _secret(raw: str) -> Secret | None:
    return Secret(raw) if raw.strip() else None


MIN_ADMIN_TOKEN_LENGTH = 16


def _admin_token(raw: str) -> Secret | None:
    value = raw.strip()
    if not value:
        return None
    # A short or well-known token (the legacy client sent `x-admin: true`) is guessable.
    if len(value) < MIN_ADMIN_TOKEN_LENGTH or value.lower() == "true":
        raise ValueError(f"must be at least {MIN_ADMIN_TOKEN_LENGTH} characters long")
    return Secret(value)


def _networks(raw: str) -> tuple[IpNetwork, ...]:
    networks = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
    return tuple(networks)


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(filter(None, (part.strip() for part in raw.split(","))))
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(f"{origin!r} must be * or an origin such as https://example.com")
    return origins or ("*",)


def _cron(raw: str) -> str:
    value = raw.strip()
    if value:
        from apscheduler.triggers.cron import CronTrigger  # heavy import, only when needed

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"is not a valid 5-field cron expression ({exc})") from None
    return value


_TRUE_WORDS = ("true", "1", "yes", "on")
_FALSE_WORDS = ("false", "0", "no", "off")


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    raise ValueError(f"must be true or false, got {raw!r}")


def _nonempty(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty")
    return raw.strip()


_PG_URL = _url(("postgresql", "postgres", "postgresql+asyncpg"))
_REDIS_URL = _url(("redis", "rediss", "unix"))
_UPSTREAM_URL = _url(("http", "https", "file"))

# variable -> (attribute, parser)
_PARSERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "DATABASE_URL": ("database_url", _PG_URL),
    "DATABASE_READ_URL": ("database_read_url", _PG_URL),
    "DB_POOL_SIZE": ("db_pool_size", _int_between(1, 100)),
    "REDIS_URL": ("redis_url", _REDIS_URL),
    "PORT": ("port", _int_between(1, 65535)),
    "HOST": ("host", _nonempty),
    "ADMIN_TOKEN": ("admin_token", _admin_token),
    "SYNC_ON_STARTUP": ("sync_on_startup", _boolean),
    "SYNC_TIMEOUT_MS": ("sync_timeout_ms", _int_between(1_000, 3_600_000)),
    "API_RETRY_MS": ("api_retry_ms", _int_between(0, 600_000)),
    "DB_RETRY_MS": ("db_retry_ms", _int_between(10, 600_000)),
    "DB_STARTUP_TIMEOUT_MS": ("db_startup_timeout_ms", _int_between(0, 3_600_000)),
    "RATE_LIMIT_PER_MINUTE": ("rate_limit_per_minute", _int_between(1, 10_000_000)),
    "TRUSTED_PROXIES": ("trusted_proxies", _networks),
    "CORS_ORIGINS": ("cors_origins", _origins),
    "MODELS_DEV_URL": ("models_dev_url", _UPSTREAM_URL),
    "OPENROUTER_URL": ("openrouter_url", _UPSTREAM_URL),
    "HUGGINGFACE_URL": ("huggingface_url", _UPSTREAM_URL),
    "ARTIFICIAL_ANALYSIS_URL": ("artificial_analysis_url", _UPSTREAM_URL),
    "ARTIFICIAL_ANALYSIS_API_KEY": ("artificial_analysis_api_key", _secret),
    "HUGGINGFACE_MAX_PAGES": ("huggingface_max_pages", _int_between(0, 1_000)),
    "SYNC_HISTORY_RETENTION_DAYS": ("sync_history_retention_days", _int_between(1, 36_500)),
    "RATE_LIMIT_MS": ("rate_limit_ms", _int_between(0, 60_000)),
    "LOG_LEVEL": ("log_level", _one_of(LOG_LEVELS, upper=True)),
    "LOG_FORMAT": ("log_format", _one_of(LOG_FORMATS)),
    "ACCESS_LOG": ("access_log", _one_of(ACCESS_LOG_CHOICES)),
    "ACCESS_LOG_SAMPLE_EVERY": ("access_log_sample_every", _int_between(1, 1_000_000)),
    "GRAPHQL_FAST_PATH": ("graphql_fast_path", _flag),
    "MIGRATION_LOCK_WAIT_MS": ("migration_lock_wait_ms", _int_between(1, 86_400_000)),
    "MIGRATION_LOCK_TIMEOUT_MS": ("migration_lock_timeout_ms", _int_between(1, 3_600_000)),
    "MIGRATION_STATEMENT_TIMEOUT_MS": (
        "migration_statement_timeout_ms",
        _int_between(1, 86_400_000),
    ),
    "DATA_DIR": ("data_dir", lambda raw: Path(_nonempty(raw)).expanduser()),
}

# Variables where an empty string means "not set" rather than "empty value".
_EMPTY_IS_UNSET = {"DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL"}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse every setting; the first bad one raises ConfigError naming it."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    app_env = _parse_one(env, "APP_ENV", _one_of(APP_ENVS), "development")
    values["app_env"] = app_env
    values["sync_cron"] = _parse_one(env, "SYNC_CRON", _cron, DEFAULT_SYNC_CRON[app_env])
    values["log_format"] = DEFAULT_LOG_FORMAT[app_env]  # LOG_FORMAT, if set, wins below
    for name, (attribute, parser) in _PARSERS.items():
        raw = env.get(name)
        if raw is None or (name in _EMPTY_IS_UNSET and not raw.strip()):
            continue
        values[attribute] = _parse_one(env, name, parser, None)
    values["bounds"] = Bounds(
        **{
            attribute: _parse_one(env, name, _int_between(low, high), getattr(Bounds, attribute))
            for name, (attribute, low, high) in BOUND_VARIABLES.items()
        }
    )
    return Settings(**values)


def _parse_one(env: Mapping[str, str], name: str, parser: Callable[[str], T], default: T) -> T:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return parser(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} {exc}") from None
