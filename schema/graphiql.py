"""GraphiQL without a CDN: serve its assets from a local npm install when one is present.

Strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from unpkg.com.
Air-gapped installs (and tests) have no internet, so when the npm packages are installed
under GRAPHIQL_ASSETS_DIR (default: `<repo>/.cache/graphiql/node_modules`, filled by
`bench/graphiql_assets.sh`), the page points at `/graphql/assets/<package>/<file>`
instead, served by this app. Without them the page keeps the CDN links, plus a small
script that replaces the endless "Loading..." with OFFLINE_HINT when those scripts cannot
be loaded. The local files are looked up on every page load (a few stat calls), so assets
installed while the server runs are used at the next reload, without a restart.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache, lru_cache
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


OFFLINE_HINT = (
    "GraphiQL could not load its scripts from unpkg.com (no internet here?).\n\n"
    "The API itself works: POST /graphql, for example\n"
    "  curl -s localhost:3000/graphql -H 'content-type: application/json' \\\n"
    '    -d \'{"query": "{ models(first: 3) { edges { node { id name } } } }"}\'\n\n'
    "To use GraphiQL offline, install its files once with bench/graphiql_assets.sh (needs "
    "node and npm) and reload this page; no restart is needed."
)
# Runs first in <head>: when a CDN script or stylesheet fails, or the page finished loading
# without GraphiQL, the "Loading..." placeholder becomes the hint.
HINT_SCRIPT = (
    "<script>(function () {\n"
    "  var HINT = " + json.dumps(OFFLINE_HINT) + ";\n"
    "  function show() {\n"
    "    var root = document.getElementById('graphiql');\n"
    "    if (!root || window.GraphiQL) return;\n"
    "    if (document.getElementById('graphiql-offline-hint')) return;\n"
    "    var pre = document.createElement('pre');\n"
    "    pre.id = 'graphiql-offline-hint';\n"
    "    pre.style.cssText = 'margin:2em;white-space:pre-wrap;font:14px/1.5 monospace';\n"
    "    pre.textContent = HINT;\n"
    "    root.textContent = '';\n"
    "    root.appendChild(pre);\n"
    "  }\n"
    "  window.addEventListener('error', function (e) {\n"
    "    var tag = e.target && e.target.tagName;\n"
    "    if (tag !== 'SCRIPT' && tag !== 'LINK') return;\n"
    "    if (document.readyState !== 'loading') return show();\n"
    "    document.addEventListener('DOMContentLoaded', show);\n"
    "  }, true);\n"
    "  window.addEventListener('load', function () { if (!window.GraphiQL) show(); });\n"
    "})();</script>"
)


@cache
def _ide_html() -> str:
    return get_graphql_ide_html("graphiql")


@cache
def _cdn_files() -> tuple[tuple[str, str], ...]:
    return tuple((m.group(1), m.group(2)) for m in _UNPKG.finditer(_ide_html()))


def graphiql_html() -> str:
    """The page for the assets present right now (local where installed, else the CDN)."""
    present = frozenset(f for f in _cdn_files() if _local_path(*f).is_file())
    return _html_for(str(assets_dir()), present)


@lru_cache(maxsize=8)
def _html_for(directory: str, present: frozenset[tuple[str, str]]) -> str:
    def swap(match: re.Match[str]) -> str:
        if (match.group(1), match.group(2)) in present:
            return f"{ASSET_PREFIX}{match.group(1)}/{match.group(2)}"
        return match.group(0)

    html = _UNPKG.sub(swap, _ide_html())
    if len(present) < len(_cdn_files()):  # something still comes from the CDN
        html = html.replace("<head>", "<head>\n    " + HINT_SCRIPT, 1)
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
