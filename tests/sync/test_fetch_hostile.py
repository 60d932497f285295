"""Fetcher against hostile loopback servers: redirect loops and odd redirects fail the source
with a reason (they used to escape as aiohttp errors and fail the whole run), and the body
cap counts decompressed bytes, so a gzip bomb stops at the cap."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sync.fetch import MAX_REDIRECTS, Fetcher, FetchLimits, SourceFailure

ServerFactory = Callable[..., Awaitable[TestServer]]
HOPS = web.AppKey("hops", list[int])


async def _loop(request: web.Request) -> web.StreamResponse:
    hops = int(request.query.get("hop", "0"))
    request.app[HOPS].append(hops)
    raise web.HTTPFound(location=f"/loop?hop={hops + 1}")


async def _to_ftp(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(location="ftp://example.invalid/models.json")


async def _bomb(request: web.Request) -> web.StreamResponse:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = compressor.compress(b"[" + b" " * (8 * 1024 * 1024) + b"]") + compressor.flush()
    return web.Response(
        body=body, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )


@pytest.fixture
async def server(aiohttp_server: ServerFactory) -> TestServer:
    app = web.Application()
    app[HOPS] = []
    app.router.add_get("/loop", _loop)
    app.router.add_get("/ftp", _to_ftp)
    app.router.add_get("/bomb", _bomb)
    return await aiohttp_server(app)


@pytest.fixture
def base_url(server: TestServer) -> str:
    return str(server.make_url(""))


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with aiohttp.ClientSession() as session:
        yield Fetcher(session, retry_base_ms=1, min_gap_ms=0, limits=FetchLimits(1024 * 1024))


async def test_redirect_loop_fails_the_source_without_retrying(
    fetcher: Fetcher, server: TestServer, base_url: str
) -> None:
    with pytest.raises(SourceFailure, match=f"redirected more than {MAX_REDIRECTS} times"):
        await fetcher.get_json(f"{base_url}/loop")
    assert server.app[HOPS] == list(range(MAX_REDIRECTS))  # one chain, no retry


async def test_redirect_to_a_non_http_url_fails_the_source(fetcher: Fetcher, base_url: str) -> None:
    with pytest.raises(SourceFailure, match=r"bad response from .*/ftp"):
        await fetcher.get_json(f"{base_url}/ftp")


async def test_gzip_bomb_stops_at_the_decompressed_cap(fetcher: Fetcher, base_url: str) -> None:
    # ~8 KB on the wire, 8 MiB decompressed, cap 1 MiB: only the decompressed size trips it.
    with pytest.raises(SourceFailure, match="1048576 byte cap"):
        await fetcher.get_json(f"{base_url}/bomb")
