"""A loopback fake of the four upstream APIs, in the test's event loop.

Each source serves the current Snapshot unless a test installs a hostile handler for it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from tests.reliability.support.catalogs import Snapshot
from tests.reliability.support.ports import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PATHS = {
    "models.dev": "/models.dev/api.json",
    "openrouter": "/openrouter/api/v1/models",
    "huggingface": "/huggingface/api/models",
    "artificialanalysis": "/artificialanalysis/api/v2/data/llms/models",
}


class FakeUpstream:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.handlers: dict[str, Handler] = {}
        self.delay_s: dict[str, float] = {}
        self.hits: Counter[str] = Counter()
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._bodies: dict[str, bytes] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The settings that point a replica at this fake."""
        return {
            "MODELS_DEV_URL": self.base + PATHS["models.dev"],
            "OPENROUTER_URL": self.base + PATHS["openrouter"],
            "HUGGINGFACE_URL": self.base + PATHS["huggingface"],
            "ARTIFICIAL_ANALYSIS_URL": self.base + PATHS["artificialanalysis"],
            "ARTIFICIAL_ANALYSIS_API_KEY": "fake-aa-key",
            "HUGGINGFACE_MAX_PAGES": "2",
            "RATE_LIMIT_MS": "0",
            "API_RETRY_MS": "50",
        }

    def serve(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._bodies.clear()

    async def start(self) -> None:
        app = web.Application()
        for source, path in PATHS.items():
            app.router.add_get(path, self._dispatch(source))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _dispatch(self, source: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            self.hits[source] += 1
            if self.delay_s.get(source):
                await asyncio.sleep(self.delay_s[source])
            custom = self.handlers.get(source)
            if custom is not None:
                return await custom(request)
            return web.Response(body=self.body(source), content_type="application/json")

        return handle

    def body(self, source: str) -> bytes:
        if source not in self._bodies:
            self._bodies[source] = orjson.dumps(self.snapshot.payloads()[source])
        return self._bodies[source]
