"""GraphiQL without a CDN: serve its assets from a local npm install when one is present.

Strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from unpkg.com.
Air-gapped installs (and tests) have no internet, so when the npm packages are installed
under GRAPHIQL_ASSETS_DIR (default: `<repo>/.cache/graphiql/node_modules`, filled by
`bench/graphiql_assets.sh`), the page points at `/graphql/assets/<package>/<file>`
instead, served by this app. Without them the page keeps the CDN links.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from aiohttp import web
from strawberry.http.ides import get_graphql_ide_html

ASSET_PREFIX = "/graphql/assets/"
_UNPKG = re.compile(r"https://unpkg\.com/(@?[^@\"]+)@[^/\"]+/([^\"]+)")


def assets_dir() -> Path:
    configured = os.environ.get("GRAPHIQL_ASSETS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / ".cache" / "graphiql" / "node_modules"


def _local_path(package: str, file: str) -> Path:
    return assets_dir() / package / file


@cache
def graphiql_html() -> str:
    html = get_graphql_ide_html("graphiql")

    def swap(match: re.Match[str]) -> str:
        package, file = match.group(1), match.group(2)
        if _local_path(package, file).is_file():
            return f"{ASSET_PREFIX}{package}/{file}"
        return match.group(0)

    html = _UNPKG.sub(swap, html)
    # Subresource-integrity hashes name the CDN files; local copies are served as-is.
    return re.sub(r'\s+integrity="[^"]*"', "", html) if ASSET_PREFIX in html else html


async def _asset(request: web.Request) -> web.StreamResponse:
    root = assets_dir().resolve()
    path = (root / request.match_info["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


def setup_graphiql_assets(app: web.Application) -> None:
    app.router.add_get(ASSET_PREFIX + "{path:.+}", _asset)
