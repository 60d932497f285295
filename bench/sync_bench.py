"""Sync benchmark: the shared upstream payloads served from a loopback HTTP server.

Measures a cold full sync into a fresh database and a no-change re-sync (wall time), plus
the peak RSS of the syncing process (the fake upstream runs in a child process).

    .venv/bin/python bench/sync_bench.py        # needs ../shared/upstream and PostgreSQL
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from aiohttp import web

SHARED = Path(
    os.environ.get("SHARED_UPSTREAM_DIR")
    or Path(__file__).resolve().parents[1] / ".." / "shared" / "upstream"
)
PORT = 18765
HF_PAGES = ("SAMPLE-not-real.json", "SAMPLE-not-real.page2.json")


def serve() -> None:
    """Child process: the four upstreams, Hugging Face paginated with a Link header."""
    files = {
        "/api.json": (SHARED / "models.dev" / "api.json").read_bytes(),
        "/api/v1/models": (SHARED / "openrouter" / "models.json").read_bytes(),
        "/api/v2/data/llms/models": (SHARED / "artificialanalysis" / "models.json").read_bytes(),
    }
    pages = [(SHARED / "huggingface" / name).read_bytes() for name in HF_PAGES]

    async def static(request: web.Request) -> web.Response:
        return web.Response(body=files[request.path], content_type="application/json")

    async def huggingface(request: web.Request) -> web.Response:
        if request.query.get("cursor") == "2":
            return web.Response(body=pages[1], content_type="application/json")
        link = f'<http://127.0.0.1:{PORT}/api/models?cursor=2>; rel="next"'
        return web.Response(body=pages[0], content_type="application/json", headers={"Link": link})

    app = web.Application()
    for path in files:
        app.router.add_get(path, static)
    app.router.add_get("/api/models", huggingface)
    web.run_app(app, host="127.0.0.1", port=PORT, print=None)


async def bench(admin: str) -> dict[str, float]:
    from server.core.database import create_engine
    from server.core.migrate import upgrade_to_head
    from server.core.secrets import Secret
    from server.core.settings import Settings
    from sync.service import SyncService
    from tests.support import services

    name, url = await services.acreate_database(admin)
    try:
        await asyncio.to_thread(upgrade_to_head, url)
        base = f"http://127.0.0.1:{PORT}"
        settings = Settings(
            database_url=url,
            models_dev_url=f"{base}/api.json",
            openrouter_url=f"{base}/api/v1/models",
            huggingface_url=f"{base}/api/models",
            artificial_analysis_url=f"{base}/api/v2/data/llms/models",
            artificial_analysis_api_key=Secret("bench"),
            rate_limit_ms=0,
        )
        engine = create_engine(url, pool_size=1)
        service = SyncService(engine, settings, replica_id="bench")
        timings = {}
        for label in ("cold_full_sync_s", "no_change_resync_s"):
            started = time.perf_counter()
            result = await service.run("cli")
            timings[label] = round(time.perf_counter() - started, 2)
            print(f"{label}: {timings[label]} s ({result.status}, {result.changes} changes)")
        await engine.dispose()
        return timings
    finally:
        await services.adrop_database(admin, name)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve()
        return 0
    if not SHARED.is_dir():
        print(f"{SHARED} is absent; nothing to benchmark", file=sys.stderr)
        return 1
    server = subprocess.Popen([sys.executable, __file__, "--serve"])
    try:
        time.sleep(1.5)  # let the child bind its port
        from tests.support import services

        timings = asyncio.run(bench(services.admin_database_url()))
    finally:
        server.terminate()
        server.wait()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({**timings, "peak_rss_mb": round(peak_mb, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
