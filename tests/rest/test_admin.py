"""Admin routes: auth, POST /v1/admin/sync (202 / 409) with a real SyncService on a loopback
upstream, and GET /v1/admin/sync/history."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from server.core.secrets import Secret
from server.core.settings import Settings
from server.http.auth import NOT_CONFIGURED
from tests.conftest import ADMIN_TOKEN
from tests.rest.conftest import Client, MakeClient
from tests.support.seed import SeedInfo
from tests.sync.support import FIXTURE_FILES, FIXTURES

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
ADMIN_ROUTES = (("POST", "/v1/admin/sync"), ("GET", "/v1/admin/sync/history"))


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-admin": "true"},
        {"x-admin": ""},
        {"x-admin": "wrong-token-wrong-token"},
        {"Authorization": "Bearer wrong-token-wrong-token"},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
    ],
)
async def test_admin_routes_need_the_token(
    client: Client, method: str, path: str, headers: dict[str, str]
) -> None:
    resp = await client.request(method, path, headers=headers)
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
async def test_admin_routes_are_forbidden_without_a_configured_token(
    make_client: MakeClient, settings: Settings, method: str, path: str
) -> None:
    client = await make_client(settings, admin_token=None)
    resp = await client.request(method, path, headers={"x-admin": "true"})
    assert resp.status == 403
    error = (await resp.json())["error"]
    assert error["code"] == "FORBIDDEN"
    assert error["message"] == NOT_CONFIGURED and "ADMIN_TOKEN" in error["message"]


async def test_history_shape_order_and_limit(client: Client, seeded: SeedInfo) -> None:
    resp = await client.get("/v1/admin/sync/history", headers={"x-admin": ADMIN_TOKEN})
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == "no-store"
    body = await resp.json()
    assert set(body) == {"data", "meta", "timestamp"}
    assert body["meta"] == {"total": 2}
    newest, oldest = body["data"]
    assert [newest["id"], oldest["id"]] == [seeded.run_ids[1], seeded.run_ids[0]]
    assert newest["status"] == "partial" and newest["trigger"] == "admin"
    assert newest["message"] == "artificialanalysis failed: HTTP 503 from upstream"
    assert (newest["totalFetched"], newest["totalStored"], newest["totalChanged"]) == (30, 30, 1)
    assert ISO.match(newest["startedAt"]) and ISO.match(newest["completedAt"])
    assert newest["durationMs"] == 60_000
    assert newest["sourceStats"]["artificialanalysis"]["status"] == "failed"
    one = await (
        await client.get("/v1/admin/sync/history", params={"limit": "1"}, headers=ADMIN)
    ).json()
    assert [r["id"] for r in one["data"]] == [seeded.run_ids[1]] and one["meta"]["total"] == 2


# ------------------------------------------------------------------ trigger, real sync


class GatedUpstream:
    """Serves the hand-written upstream fixtures on loopback, holding answers until opened."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.app = web.Application()
        for attr, name in FIXTURE_FILES.items():
            self.app.router.add_get(f"/{attr}", self._handler(name))

    def _handler(self, name: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            await self.gate.wait()
            return web.Response(
                body=(FIXTURES / name).read_bytes(), content_type="application/json"
            )

        return handle

    def settings(self, base: Settings, server: TestServer) -> Settings:
        urls = {attr: str(server.make_url(f"/{attr}")) for attr in FIXTURE_FILES}
        return base.with_overrides(
            **urls, artificial_analysis_api_key=Secret("test-aa-key"), api_retry_ms=10
        )


async def _wait_for_run_to_finish(client: Client, run_id: int) -> dict[str, Any]:
    for _ in range(200):
        body = await (await client.get("/v1/admin/sync/history", headers=ADMIN)).json()
        run = next(r for r in body["data"] if r["id"] == run_id)
        if run["status"] != "running":
            return run  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError(f"sync run {run_id} did not finish")


async def test_trigger_202_then_409_then_the_catalog_changes(
    aiohttp_server: Any, make_client: MakeClient, settings: Settings
) -> None:
    upstream = GatedUpstream()
    server = await aiohttp_server(upstream.app)
    client = await make_client(upstream.settings(settings, server))
    before = await client.get("/v1/models", params={"all": "true"})
    assert (await before.json())["meta"]["total"] == 0

    started = await client.post("/v1/admin/sync", headers=ADMIN)
    assert started.status == 202
    body = await started.json()
    assert set(body) == {"data", "timestamp"}
    data = body["data"]
    assert set(data) == {"syncId", "status", "message"}
    assert data["status"] == "started" and isinstance(data["syncId"], int)

    refused = await client.post("/v1/admin/sync", headers={"x-admin": ADMIN_TOKEN})
    assert refused.status == 409
    error = (await refused.json())["error"]
    assert error["code"] == "CONFLICT" and error["details"] == {"syncId": data["syncId"]}

    upstream.gate.set()
    run = await _wait_for_run_to_finish(client, data["syncId"])
    assert run["status"] == "succeeded", run
    assert run["trigger"] == "admin" and run["totalStored"] > 0

    await asyncio.sleep(1.1)  # generous: the commit listener already moved the version
    after = await client.get("/v1/models", params={"all": "true"})
    assert after.headers["ETag"] != before.headers["ETag"]
    assert int(after.headers["X-Catalog-Version"]) > int(before.headers["X-Catalog-Version"])
    assert (await after.json())["meta"]["total"] > 0


async def test_trigger_with_sources_body(
    aiohttp_server: Any, make_client: MakeClient, settings: Settings
) -> None:
    upstream = GatedUpstream()
    upstream.gate.set()
    server = await aiohttp_server(upstream.app)
    client = await make_client(upstream.settings(settings, server))
    resp = await client.post("/v1/admin/sync", json={"sources": ["openrouter"]}, headers=ADMIN)
    assert resp.status == 202
    run = await _wait_for_run_to_finish(client, (await resp.json())["data"]["syncId"])
    assert run["sources"] == ["openrouter"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"sources": ["myspace"]}', b'{"sources": "openrouter"}', b'{"sources": []}'],
)
async def test_trigger_rejects_bad_bodies(client: Client, body: bytes) -> None:
    resp = await client.post("/v1/admin/sync", data=body, headers=ADMIN)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "VALIDATION_ERROR"
    history = await (await client.get("/v1/admin/sync/history", headers=ADMIN)).json()
    assert history["data"] == []  # bad input changes nothing


@pytest.mark.parametrize(
    ("method", "path", "unknown"),
    [
        ("GET", "/v1/admin/sync/history?limit=1&page=2", "page"),
        ("POST", "/v1/admin/sync?sources=openrouter", "sources"),  # sources go in the body
    ],
)
async def test_admin_routes_refuse_unknown_query_parameters_and_start_nothing(
    client: Client, seeded: SeedInfo, method: str, path: str, unknown: str
) -> None:
    before = await (await client.get("/v1/admin/sync/history", headers=ADMIN)).json()
    resp = await client.request(method, path, headers=ADMIN)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert f"unknown query parameter(s): {unknown};" in error["message"]
    after = await (await client.get("/v1/admin/sync/history", headers=ADMIN)).json()
    assert after["meta"]["total"] == before["meta"]["total"]
