"""Fetch behaviour against a loopback fake upstream (aiohttp test server).

Each test scripts how the fake OpenRouter answers; models.dev, Hugging Face (two pages
linked by a `Link: rel="next"` header) and Artificial Analysis (needs x-api-key) answer
normally, so a failing OpenRouter must leave the run `partial` with the others stored.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.secrets import Secret
from server.core.settings import Settings
from sync.fetch import FetchLimits
from sync.pipeline import RunResult
from sync.service import SyncService
from tests.sync.support import FIXTURES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ServerFactory = Callable[..., Awaitable[TestServer]]


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class FakeUpstream:
    """Serves the fixtures; `openrouter` answers are scripted per test, in order."""

    def __init__(self) -> None:
        self.openrouter: list[Handler] = []
        self.hits: dict[str, int] = {}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api.json", self._count("models.dev", self._models_dev))
        app.router.add_get("/api/v1/models", self._count("openrouter", self._openrouter))
        app.router.add_get("/api/models", self._count("huggingface", self._huggingface))
        app.router.add_get("/api/v2/data/llms/models", self._count("aa", self._aa))
        return app

    def _count(self, name: str, handler: Handler) -> Handler:
        async def counted(request: web.Request) -> web.StreamResponse:
            self.hits[name] = self.hits.get(name, 0) + 1
            return await handler(request)

        return counted

    async def _models_dev(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(_fixture("models_dev.json"))

    async def _openrouter(self, request: web.Request) -> web.StreamResponse:
        if self.openrouter:
            return await self.openrouter.pop(0)(request)
        return web.json_response(_fixture("openrouter.json"))

    async def _huggingface(self, request: web.Request) -> web.StreamResponse:
        rows = _fixture("huggingface.json")
        if request.query.get("cursor") == "page-2":
            return web.json_response(rows[2:])
        next_url = request.url.with_query({**request.query, "cursor": "page-2"})
        return web.json_response(rows[:2], headers={"Link": f'<{next_url}>; rel="next"'})

    async def _aa(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("x-api-key") != "test-aa-key":
            return web.json_response({"error": "bad key"}, status=401)
        return web.json_response(_fixture("artificialanalysis.json"))


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
async def base_url(aiohttp_server: ServerFactory, upstream: FakeUpstream) -> str:
    server = await aiohttp_server(upstream.app())
    return str(server.make_url("")).rstrip("/")


def _settings(settings: Settings, base: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "models_dev_url": f"{base}/api.json",
        "openrouter_url": f"{base}/api/v1/models?output_modalities=all",
        "huggingface_url": f"{base}/api/models?sort=downloads&direction=-1&limit=2",
        "artificial_analysis_url": f"{base}/api/v2/data/llms/models",
        "artificial_analysis_api_key": Secret("test-aa-key"),
        "api_retry_ms": 10,
        "rate_limit_ms": 0,
    }
    values.update(overrides)
    return settings.with_overrides(**values)


async def _run(engine: AsyncEngine, settings: Settings, **limits: Any) -> RunResult:
    service = SyncService(engine, settings, limits=FetchLimits(**limits) if limits else None)
    return await service.run("admin")


async def _count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text(sql)) or 0)


async def _assert_partial_and_others_stored(engine: AsyncEngine, result: RunResult) -> str:
    assert result.status == "partial", result.message
    stats = result.source_stats
    assert stats["openrouter"]["status"] == "failed"
    assert all(stats[s]["status"] == "succeeded" for s in stats if s != "openrouter")
    assert await _count(engine, "SELECT count(*) FROM offerings WHERE provider_id = 'openai'") == 2
    assert await _count(engine, "SELECT count(*) FROM scores") > 0
    return str(stats["openrouter"]["error"])


def _status(code: int, body: str = "oops", **headers: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, text=body, headers=headers)

    return handler


async def test_all_sources_over_http_with_pagination_and_key(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    result = await _run(engine, _settings(settings, base_url))
    assert result.status == "succeeded", result.message
    assert upstream.hits["huggingface"] == 2  # followed the Link header once
    assert result.source_stats["huggingface"]["fetched"] == 3
    assert await _count(engine, "SELECT count(*) FROM models WHERE id = 'baai/bge-m3'") == 1


async def test_huggingface_page_limit(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    result = await _run(engine, _settings(settings, base_url, huggingface_max_pages=1))
    assert upstream.hits["huggingface"] == 1
    assert result.source_stats["huggingface"]["fetched"] == 2


async def test_500_then_200_is_retried(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    upstream.openrouter = [_status(500), _status(503)]
    result = await _run(engine, _settings(settings, base_url))
    assert result.status == "succeeded", result.message
    assert upstream.hits["openrouter"] == 3


async def test_429_honours_retry_after(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    upstream.openrouter = [_status(429, "slow down", **{"Retry-After": "1"})]
    result = await _run(engine, _settings(settings, base_url))
    assert result.status == "succeeded", result.message
    assert upstream.hits["openrouter"] == 2


async def test_persistent_500_fails_only_that_source(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    upstream.openrouter = [_status(500)] * 3
    result = await _run(engine, _settings(settings, base_url))
    error = await _assert_partial_and_others_stored(engine, result)
    assert "HTTP 500" in error and "3 attempts" in error


async def test_timeout(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(2)
        return web.json_response(_fixture("openrouter.json"))

    upstream.openrouter = [slow] * 3
    result = await _run(engine, _settings(settings, base_url), request_timeout_s=0.2)
    error = await _assert_partial_and_others_stored(engine, result)
    assert "no answer" in error


async def test_overall_sync_timeout(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.json_response(_fixture("openrouter.json"))

    upstream.openrouter = [slow]
    result = await _run(engine, _settings(settings, base_url, sync_timeout_ms=500))
    error = await _assert_partial_and_others_stored(engine, result)
    assert "SYNC_TIMEOUT_MS" in error


async def test_truncated_json(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    upstream.openrouter = [_status(200, '{"data": [{"id": "a/b", "na')]
    result = await _run(engine, _settings(settings, base_url))
    assert "invalid JSON" in await _assert_partial_and_others_stored(engine, result)


async def test_html_error_page(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    page = "<!DOCTYPE html><html><body>Cloudflare: please wait</body></html>"
    upstream.openrouter = [_status(200, page, **{"Content-Type": "text/html"})]
    result = await _run(engine, _settings(settings, base_url))
    assert "HTML page" in await _assert_partial_and_others_stored(engine, result)


async def test_body_over_the_size_cap(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    big = json.dumps({"data": [], "padding": "x" * 200_000})
    upstream.openrouter = [_status(200, big)]
    result = await _run(engine, _settings(settings, base_url), max_body_bytes=100_000)
    assert "byte cap" in await _assert_partial_and_others_stored(engine, result)


async def test_malformed_next_link_fails_only_that_source(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    """A `links.next` that is not a URL at all ends that source, not the whole run."""
    page = {**_fixture("openrouter.json"), "links": {"next": "http://[not-an-ip"}}
    upstream.openrouter = [_status(200, json.dumps(page))]
    result = await _run(engine, _settings(settings, base_url))
    assert "ValueError" in await _assert_partial_and_others_stored(engine, result)


async def test_missing_aa_key_is_skipped_not_failed(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    result = await _run(engine, _settings(settings, base_url, artificial_analysis_api_key=None))
    assert result.status == "succeeded", result.message
    assert result.source_stats["artificialanalysis"]["status"] == "skipped"
    assert "aa" not in upstream.hits


_CHILD = """
import asyncio, json, sys
from server.core.database import create_engine
from server.core.settings import Settings
from sync.service import SyncService

async def main() -> None:
    url, base = sys.argv[1], sys.argv[2]
    settings = Settings(database_url=url, models_dev_url=base + "/api.json",
        openrouter_url=base + "/api/v1/models", huggingface_url=base + "/api/models",
        artificial_analysis_url=base + "/api/v2/data/llms/models", api_retry_ms=10)
    engine = create_engine(url, pool_size=1)
    result = await SyncService(engine, settings).run("cli")
    await engine.dispose()
    print(json.dumps({"status": result.status, "run_id": result.run_id,
                      "held_by": result.held_by}))

asyncio.run(main())
"""


async def test_two_processes_exactly_one_runs(
    engine: AsyncEngine, settings: Settings, base_url: str, upstream: FakeUpstream
) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(1.5)  # keeps the first run (and its lock) alive
        return web.json_response(_fixture("openrouter.json"))

    upstream.openrouter = [slow, slow]
    assert settings.database_url is not None
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CHILD,
            settings.database_url,
            base_url,
            stdout=asyncio.subprocess.PIPE,
            cwd=os.getcwd(),
        )
        for _ in range(2)
    ]
    outputs = [
        json.loads((await p.communicate())[0].decode().strip().splitlines()[-1]) for p in procs
    ]
    statuses = sorted(o["status"] for o in outputs)
    assert statuses == ["already_running", "succeeded"], outputs
    winner = next(o for o in outputs if o["status"] == "succeeded")
    loser = next(o for o in outputs if o["status"] == "already_running")
    assert loser["held_by"] == winner["run_id"]
    assert await _count(engine, "SELECT count(*) FROM sync_runs") == 1
