"""Settings: defaults from DESIGN §7, one clear error per bad variable, secrets masked."""

from __future__ import annotations

import ipaddress

import pytest

from server.core.bounds import Bounds
from server.core.settings import ConfigError, load_settings


def test_defaults_match_the_design() -> None:
    s = load_settings({})
    assert (s.app_env, s.port, s.db_pool_size, s.sync_timeout_ms) == (
        "development",
        3000,
        10,
        45000,
    )
    assert (s.api_retry_ms, s.db_retry_ms, s.rate_limit_per_minute) == (1500, 2000, 2000)
    assert (s.sync_history_retention_days, s.rate_limit_ms) == (30, 100)
    assert s.database_url is None and s.uses_embedded_database
    assert s.redis_url is None and s.admin_token is None
    assert s.cors_origins == ("*",)
    assert s.sync_cron == ""


@pytest.mark.parametrize(
    ("app_env", "cron"),
    [("development", ""), ("staging", "0 */6 * * *"), ("production", "0 */2 * * *")],
)
def test_app_env_picks_the_default_schedule(app_env: str, cron: str) -> None:
    assert load_settings({"APP_ENV": app_env}).sync_cron == cron


@pytest.mark.parametrize(
    ("app_env", "log_format"),
    [("development", "text"), ("staging", "json"), ("production", "json")],
)
def test_app_env_picks_the_default_log_format(app_env: str, log_format: str) -> None:
    assert load_settings({"APP_ENV": app_env}).log_format == log_format
    assert load_settings({"APP_ENV": app_env, "LOG_FORMAT": "json"}).log_format == "json"


def test_sync_on_startup_defaults_on_in_every_app_env() -> None:
    for app_env in ("development", "staging", "production"):
        assert load_settings({"APP_ENV": app_env}).sync_on_startup is True
    assert load_settings({"SYNC_ON_STARTUP": "false"}).sync_on_startup is False
    assert load_settings({"SYNC_ON_STARTUP": " OFF "}).sync_on_startup is False
    with pytest.raises(ConfigError, match="SYNC_ON_STARTUP must be true or false, got 'maybe'"):
        load_settings({"SYNC_ON_STARTUP": "maybe"})


def test_explicit_sync_cron_wins_even_when_empty() -> None:
    assert load_settings({"APP_ENV": "production", "SYNC_CRON": ""}).sync_cron == ""
    assert load_settings({"SYNC_CRON": "*/5 * * * *"}).sync_cron == "*/5 * * * *"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("PORT", "abc", "PORT must be an integer between 1 and 65535"),
        ("PORT", "70000", "PORT must be an integer between 1 and 65535"),
        ("APP_ENV", "prod", "APP_ENV must be one of development, staging, production"),
        ("DB_POOL_SIZE", "0", "DB_POOL_SIZE must be an integer between 1 and 100"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL must be a URL starting with postgresql://"),
        ("REDIS_URL", "http://x", "REDIS_URL must be a URL"),
        ("SYNC_CRON", "every hour", "SYNC_CRON is not a valid 5-field cron expression"),
        ("TRUSTED_PROXIES", "10.0.0.0/8,nope", "TRUSTED_PROXIES 'nope' is not an IP address"),
        ("CORS_ORIGINS", "example.com", "CORS_ORIGINS 'example.com' must be * or an origin"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of json, text"),
        ("ACCESS_LOG", "some", "ACCESS_LOG must be one of all, errors, sampled"),
        ("ACCESS_LOG_SAMPLE_EVERY", "0", "ACCESS_LOG_SAMPLE_EVERY must be an integer between 1"),
        ("OPENROUTER_URL", "ftp://x", "OPENROUTER_URL must be a URL starting with http://"),
        ("HUGGINGFACE_MAX_PAGES", "-1", "HUGGINGFACE_MAX_PAGES must be an integer"),
        ("RATE_LIMIT_PER_MINUTE", "1e9", "RATE_LIMIT_PER_MINUTE must be an integer"),
        ("ADMIN_TOKEN", "true", "ADMIN_TOKEN must be at least 16 characters"),
        ("ADMIN_TOKEN", "short", "ADMIN_TOKEN must be at least 16 characters"),
        ("MIGRATION_LOCK_WAIT_MS", "0", "MIGRATION_LOCK_WAIT_MS must be an integer between 1"),
        ("GRAPHQL_FAST_PATH", "maybe", "GRAPHQL_FAST_PATH must be true or false"),
        ("WS_MAX_CONNECTIONS_PER_IP", "0", "WS_MAX_CONNECTIONS_PER_IP must be an integer"),
        ("GRAPHQL_CACHE_BYTES", "64MB", "GRAPHQL_CACHE_BYTES must be an integer"),
        ("GRAPHQL_MAX_EXPANDED_SELECTIONS", "10", "GRAPHQL_MAX_EXPANDED_SELECTIONS must be"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({name: value})
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_hostile_client_bounds_have_defaults_and_are_read() -> None:
    assert load_settings({}).bounds == Bounds()
    bounds = load_settings(
        {"WS_MAX_SUBSCRIPTIONS_PER_IP": "7", "RESPONSE_CACHE_MAX_BYTES_PER_HOUR": "0"}
    ).bounds
    assert (bounds.ws_max_subscriptions_per_ip, bounds.response_cache_max_bytes_per_hour) == (7, 0)
    assert bounds.graphql_max_document_chars == Bounds().graphql_max_document_chars


def test_parsed_values() -> None:
    s = load_settings(
        {
            "TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1",
            "CORS_ORIGINS": "https://a.example, https://b.example",
            "LOG_LEVEL": "debug",
            "DATABASE_URL": "postgresql://u:pw@db:5432/x?sslmode=require",
            "REDIS_URL": "",
        }
    )
    assert s.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("127.0.0.1/32"),
    )
    assert s.cors_origins == ("https://a.example", "https://b.example")
    assert s.log_level == "DEBUG"
    assert s.redis_url is None
    assert load_settings({"GRAPHQL_FAST_PATH": "true"}).graphql_fast_path is True
    assert load_settings({}).graphql_fast_path is False


def test_secrets_never_appear_in_repr() -> None:
    s = load_settings(
        {
            "ADMIN_TOKEN": "tok-SECRET-1-long-enough",
            "ARTIFICIAL_ANALYSIS_API_KEY": "aa-SECRET-2",
            "DATABASE_URL": "postgresql://user:pw-SECRET-3@db/x",
        }
    )
    text = repr(s) + str(s) + repr(s.admin_token)
    assert "SECRET" not in text
    assert "postgresql://user:***@db/x" in text
    assert s.admin_token is not None and s.admin_token.reveal() == "tok-SECRET-1-long-enough"


def test_secret_comparison() -> None:
    token = load_settings({"ADMIN_TOKEN": "abcdefghijklmnop"}).admin_token
    assert token is not None
    assert token.matches("abcdefghijklmnop")
    assert not token.matches("abcdefghijklmnoq")
    assert not token.matches("")
    assert not token.matches("abcdefghijklmnopq")


def test_access_log_keeps_every_request_unless_told() -> None:
    default = load_settings({})
    assert (default.access_log, default.access_log_sample_every) == ("all", 100)
    chosen = load_settings({"ACCESS_LOG": "sampled", "ACCESS_LOG_SAMPLE_EVERY": "10"})
    assert (chosen.access_log, chosen.access_log_sample_every) == ("sampled", 10)
