"""Response caching: ETag / 304, gzip, Cache-Control, X-Catalog-Version, invalidation."""

from __future__ import annotations

import asyncio
import gzip

from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.cache import KEY_PREFIX
from server.core.tables import catalog_state, models
from server.http.rest.cached import CachedBody, LocalBodies
from tests.rest.conftest import Client
from tests.support.seed import SeedInfo

CACHEABLE = ("/v1/models?limit=5", "/v1/models/openai/gpt-4o", "/v1/providers")


async def test_cacheable_responses_carry_cache_headers(client: Client, seeded: SeedInfo) -> None:
    for path in CACHEABLE:
        resp = await client.get(path)
        assert resp.status == 200
        assert resp.headers["ETag"].startswith('"v1-')
        assert resp.headers["Cache-Control"] == "public, max-age=60"
        assert resp.headers["X-Catalog-Version"] == str(seeded.catalog_version)
        assert "Accept-Encoding" in resp.headers["Vary"]


async def test_if_none_match_gives_304(client: Client, seeded: SeedInfo) -> None:
    for path in CACHEABLE:
        etag = (await client.get(path)).headers["ETag"]
        again = await client.get(path, headers={"If-None-Match": etag})
        assert again.status == 304
        assert await again.read() == b""
        assert again.headers["ETag"] == etag
        weak = await client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
        assert weak.status == 304
        other = await client.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status == 200


async def test_cached_body_is_the_same_bytes(client: Client, seeded: SeedInfo) -> None:
    first = await client.get("/v1/models?limit=5")
    second = await client.get("/v1/models?limit=5")
    assert await first.read() == await second.read()
    assert first.headers["ETag"] == second.headers["ETag"]


async def test_gzip_when_accepted(client: Client, seeded: SeedInfo) -> None:
    plain = await client.get(
        "/v1/models", params={"all": "true"}, headers={"Accept-Encoding": "identity"}
    )
    plain_bytes = await plain.read()
    assert "Content-Encoding" not in plain.headers
    # auto_decompress=False shows the bytes on the wire.
    zipped = await client.get(
        "/v1/models",
        params={"all": "true"},
        headers={"Accept-Encoding": "gzip"},
        auto_decompress=False,
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    wire = await zipped.read()
    assert len(wire) < len(plain_bytes)
    assert gzip.decompress(wire) == plain_bytes
    refused = await client.get(
        "/v1/models",
        params={"all": "true"},
        headers={"Accept-Encoding": "gzip;q=0"},
        auto_decompress=False,
    )
    assert "Content-Encoding" not in refused.headers


async def _bump_and_rename(engine: AsyncEngine, name: str) -> None:
    """What a sync commit does: change data and bump the version in one transaction."""
    async with engine.begin() as conn:
        await conn.execute(update(models).where(models.c.id == "openai/gpt-4o").values(name=name))
        await conn.execute(update(catalog_state).values(version=catalog_state.c.version + 1))


async def test_a_committed_sync_changes_etag_and_cached_list(
    client: Client, seeded: SeedInfo, engine: AsyncEngine
) -> None:
    before = await client.get("/v1/models/openai/gpt-4o")
    list_before = await client.get("/v1/models", params={"search": "gpt-4o"})
    await _bump_and_rename(engine, "GPT-4o (renamed)")
    # Without a version bump the cached body would be served; the version is re-read
    # every REFRESH_S (0.5 s) by the app's one VersionWatch.
    await asyncio.sleep(1.1)
    after = await client.get("/v1/models/openai/gpt-4o")
    list_after = await client.get("/v1/models", params={"search": "gpt-4o"})
    assert after.headers["ETag"] != before.headers["ETag"]
    assert list_after.headers["ETag"] != list_before.headers["ETag"]
    assert after.headers["X-Catalog-Version"] == str(seeded.catalog_version + 1)
    assert (await after.json())["data"]["name"] == "GPT-4o (renamed)"
    names = {r["id"]: r["name"] for r in (await list_after.json())["data"]}
    assert names["openai/gpt-4o"] == "GPT-4o (renamed)"
    stale = await client.get(
        "/v1/models/openai/gpt-4o", headers={"If-None-Match": before.headers["ETag"]}
    )
    assert stale.status == 200


async def test_data_change_without_version_bump_stays_cached(
    client: Client, seeded: SeedInfo, engine: AsyncEngine
) -> None:
    """Proves the cache is really used: only a version bump invalidates."""
    first = await client.get("/v1/models/openai/gpt-4o")
    async with engine.begin() as conn:
        await conn.execute(
            update(models).where(models.c.id == "openai/gpt-4o").values(name="sneaky")
        )
    await asyncio.sleep(1.1)
    second = await client.get("/v1/models/openai/gpt-4o")
    assert second.headers["ETag"] == first.headers["ETag"]
    assert (await second.json())["data"]["name"] == "GPT-4o"


async def test_redis_holds_versioned_entries_shared_by_replicas(
    redis_client_app: Client,
    make_client: object,
    settings_with_redis: object,
    redis_client: Redis,
    seeded: SeedInfo,
) -> None:
    resp = await redis_client_app.get("/v1/models?limit=5")
    assert resp.status == 200
    keys = [_text(k) for k in await redis_client.keys(KEY_PREFIX + "*")]
    assert keys and all(k.startswith(f"{KEY_PREFIX}v{seeded.catalog_version}:") for k in keys)
    ttl = await redis_client.ttl(keys[0])
    assert 3500 < ttl <= 3600
    # A second replica answers from the shared entry: same bytes, same ETag.
    other = await make_client(settings_with_redis)  # type: ignore[operator]
    again = await other.get("/v1/models?limit=5")
    assert again.headers["ETag"] == resp.headers["ETag"]
    assert await again.read() == await resp.read()


async def test_single_model_entries_live_two_hours(
    redis_client_app: Client, redis_client: Redis, seeded: SeedInfo
) -> None:
    await redis_client_app.get("/v1/models/openai/gpt-4o")
    keys = [_text(k) for k in await redis_client.keys(KEY_PREFIX + "*model:*")]
    assert len(keys) == 1
    assert 7100 < await redis_client.ttl(keys[0]) <= 7200


def test_local_cache_is_bounded_by_bytes_and_entries() -> None:
    local = LocalBodies(max_entries=3, max_bytes=3000)
    entries = {(1, f"k{i}"): CachedBody.build(1, b"x" * 900) for i in range(4)}
    for key, entry in entries.items():
        local.set(key, entry, 60)
    # 900-byte bodies gzip to a few bytes each: the entry count is the bound here.
    assert local.get((1, "k0")) is None and local.get((1, "k3")) is not None
    big = CachedBody.build(1, bytes(range(256)) * 10)  # 2560 bytes, barely compressible
    local.set((1, "big"), big, 60)
    assert local.get((1, "big")) is big
    assert local.get((1, "k1")) is None  # evicted to stay under 3000 bytes
    local.set((1, "expired"), entries[(1, "k0")], -1)
    assert local.get((1, "expired")) is None


def _text(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key
