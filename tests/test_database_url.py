"""libpq URLs become what SQLAlchemy's asyncpg dialect accepts."""

from __future__ import annotations

import pytest

from server.core.database import asyncpg_dsn, translate_url


@pytest.mark.parametrize(
    ("url", "expected_url", "expected_args"),
    [
        ("postgresql://u@h:5432/db", "postgresql+asyncpg://u@h:5432/db", {}),
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db", {}),
        (
            "postgresql://u@h/db?sslmode=require",
            "postgresql+asyncpg://u@h/db",
            {"ssl": "require"},
        ),
        (
            "postgresql://u@h/db?sslmode=verify-full&connect_timeout=5&application_name=x",
            "postgresql+asyncpg://u@h/db?application_name=x",
            {"ssl": "verify-full"},
        ),
        (
            "postgresql://postgres:@/postgres?host=/tmp/s",
            "postgresql+asyncpg://postgres:@/postgres?host=%2Ftmp%2Fs",
            {},
        ),
    ],
)
def test_translate(url: str, expected_url: str, expected_args: dict[str, str]) -> None:
    translated = translate_url(url)
    assert translated.sqlalchemy_url == expected_url
    assert translated.connect_args == expected_args


def test_unknown_sslmode_is_refused() -> None:
    with pytest.raises(ValueError, match="sslmode='sometimes'"):
        translate_url("postgresql://h/db?sslmode=sometimes")


def test_asyncpg_dsn_keeps_libpq_parameters() -> None:
    assert (
        asyncpg_dsn("postgresql+asyncpg://h/db?sslmode=require")
        == "postgresql://h/db?sslmode=require"
    )
