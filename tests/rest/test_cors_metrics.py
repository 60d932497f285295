"""CORS on /v1 and /graphql (preflight and simple requests) and the /metrics endpoint."""

from __future__ import annotations

import pytest

from server.core.settings import Settings
from tests.rest.conftest import Client, MakeClient
from tests.support.metrics import sample_value
from tests.support.seed import SeedInfo

ORIGIN = "https://app.example.com"


@pytest.mark.parametrize(
    ("path", "method"),
    [("/v1/models", "GET"), ("/v1/models/openai/gpt-4o", "GET"), ("/graphql", "POST"),
     ("/v1/admin/sync", "POST")],
)  # fmt: skip
async def test_preflight_is_answered(client: Client, path: str, method: str) -> None:
    resp = await client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] in ("*", ORIGIN)
    assert method in resp.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in resp.headers


async def test_simple_request_gets_cors_and_exposed_headers(
    client: Client, seeded: SeedInfo
) -> None:
    resp = await client.get("/v1/models", headers={"Origin": ORIGIN})
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] in ("*", ORIGIN)
    exposed = resp.headers["Access-Control-Expose-Headers"]
    for name in ("ETag", "X-Catalog-Version", "RateLimit-Remaining"):
        assert name in exposed
    gql = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ORIGIN}
    )
    assert gql.headers["Access-Control-Allow-Origin"] in ("*", ORIGIN)
    # Without an Origin header the CORS hook is skipped: no CORS headers at all.
    plain = await client.get("/v1/models")
    assert not [name for name in plain.headers if name.lower().startswith("access-control-")]


@pytest.mark.parametrize(("path", "status"), [("/v1/models?limit=0", 400), ("/v1/models/a/b", 404)])
async def test_error_responses_carry_cors_headers_too(
    client: Client, seeded: SeedInfo, path: str, status: int
) -> None:
    """A browser script can only read an error it is allowed to see."""
    resp = await client.get(path, headers={"Origin": ORIGIN})
    assert resp.status == status
    assert resp.headers["Access-Control-Allow-Origin"] in ("*", ORIGIN)
    assert "X-Request-ID" in resp.headers["Access-Control-Expose-Headers"]


async def test_only_configured_origins_are_allowed(
    make_client: MakeClient, settings: Settings
) -> None:
    client = await make_client(settings, cors_origins=(ORIGIN,))
    allowed = await client.get("/v1/openapi.json", headers={"Origin": ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = await client.get("/v1/openapi.json", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = await client.options(
        "/v1/models",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status == 403


async def test_metrics_exposes_requests_cache_catalog_and_sync_gauges(
    client: Client, seeded: SeedInfo
) -> None:
    before = await (await client.get("/metrics")).text()
    route = {"method": "GET", "route": "/v1/models/{id}", "status": "200"}
    requests_before = sample_value(before, "effect_models_http_requests_total", **route)
    await client.get("/v1/models/openai/gpt-4o")  # miss
    await client.get("/v1/models/openai/gpt-4o")  # hit
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    text = await resp.text()
    assert sample_value(text, "effect_models_http_requests_total", **route) == requests_before + 2
    assert "effect_models_http_request_duration_seconds_bucket" in text
    assert sample_value(text, "effect_models_cache_hits_total", layer="rest_local") >= 1
    assert sample_value(text, "effect_models_cache_misses_total", layer="rest") >= 1
    assert sample_value(text, "effect_models_catalog_models", status="active") == 8
    assert sample_value(text, "effect_models_catalog_models", status="deprecated") == 1
    assert sample_value(text, "effect_models_catalog_models", status="removed") == 1
    assert sample_value(text, "effect_models_catalog_offerings", status="active") == 11
    # Run 2 (2025-09-02 12:01) is the last success of three sources; AA last succeeded in run 1.
    assert (
        sample_value(
            text, "effect_models_last_successful_sync_timestamp_seconds", source="openrouter"
        )
        == 1756814460
    )
    assert (
        sample_value(
            text,
            "effect_models_last_successful_sync_timestamp_seconds",
            source="artificialanalysis",
        )
        == 1756728060
    )
    assert sample_value(text, "effect_models_last_sync_duration_seconds") == 60
    assert (
        sample_value(text, "effect_models_db_pool_connections", engine="primary", state="size")
        == 10
    )
    for family in ("rate_limit_fail_open_total", "rate_limit_rejections_total"):
        assert f"effect_models_{family}" in text
    assert "# TYPE effect_models_sync_duration_seconds histogram" in text
