"""Scenario 8: `effect-models smoke URL [--admin-token T]` against a real running server."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import ADMIN_TOKEN
from tests.reliability.conftest import StartReplicas
from tests.reliability.support.ports import free_port
from tests.reliability.support.replica import REPO_ROOT, base_env
from tests.support.seed import seed_catalog


async def smoke(*args: str) -> tuple[int, list[str]]:
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server", "smoke", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    return result.returncode, result.stdout.splitlines() + result.stderr.splitlines()


async def test_smoke_passes_on_a_healthy_seeded_deployment(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    await seed_catalog(engine)
    [replica] = await replicas([base_env(database_url)])
    code, lines = await smoke(replica.url, "--admin-token", ADMIN_TOKEN)
    assert code == 0, lines
    names = [line.split(":")[0] for line in lines]
    assert names == [
        "ok   health",
        "ok   ready",
        "ok   models",
        "ok   graphql",
        "ok   sync-history",
    ]


async def test_smoke_stops_at_the_first_failure(replicas: StartReplicas, database_url: str) -> None:
    [replica] = await replicas([base_env(database_url)])  # empty catalog: /v1/models total 0
    code, lines = await smoke(replica.url, "--admin-token", ADMIN_TOKEN)
    assert code == 1
    assert [line.split(":")[0] for line in lines] == ["ok   health", "ok   ready", "FAIL models"]


async def test_smoke_rejects_a_wrong_admin_token(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    await seed_catalog(engine)
    [replica] = await replicas([base_env(database_url)])
    code, lines = await smoke(replica.url, "--admin-token", "not-the-token-000000")
    assert code == 1
    assert lines[-1].startswith("FAIL sync-history: HTTP 401"), lines
    assert len(lines) == 5


async def test_smoke_fails_when_nothing_listens() -> None:
    code, lines = await smoke(f"http://127.0.0.1:{free_port()}")
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("FAIL health:")


async def test_smoke_refuses_a_malformed_url() -> None:
    code, lines = await smoke("localhost:3000")
    assert code == 2
    assert "URL must be" in lines[0]


async def test_smoke_reports_a_failed_last_sync(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    await seed_catalog(engine)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE sync_runs SET status = 'failed', message = 'models.dev failed: boom' "
                "WHERE id = (SELECT max(id) FROM sync_runs)"
            )
        )
    [replica] = await replicas([base_env(database_url)])
    code, lines = await smoke(replica.url, "--admin-token", ADMIN_TOKEN)
    assert code == 1
    assert lines[-1].startswith("FAIL sync-history: last sync #2 failed: models.dev failed: boom")
