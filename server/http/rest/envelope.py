"""Success envelopes of the legacy API: {"data", "meta"?, "timestamp"}."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from server.http.health import utc_now_iso


def envelope(data: Any, meta: dict[str, Any] | None = None) -> bytes:
    body: dict[str, Any] = {"data": data}
    if meta is not None:
        body["meta"] = meta
    body["timestamp"] = utc_now_iso()
    return orjson.dumps(body)


def json_response(data: Any, meta: dict[str, Any] | None = None, status: int = 200) -> web.Response:
    return web.Response(
        body=envelope(data, meta),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
