"""GraphiQL without internet (issue 14 item 7): the page carries a hint that replaces the
endless "Loading..." when the CDN scripts cannot load, and assets installed while the
server runs are used at the next page load, without a restart."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from schema.graphiql import ASSET_PREFIX, HINT_SCRIPT, OFFLINE_HINT, _cdn_files
from tests.rest.conftest import Client

HTML = {"Accept": "text/html"}


async def _page(client: Client) -> str:
    resp = await client.get("/graphql", headers=HTML)
    assert resp.status == 200
    return await resp.text()


async def test_assets_installed_later_are_used_without_a_restart(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHIQL_ASSETS_DIR", str(tmp_path))
    offline = await _page(client)
    assert "https://unpkg.com/graphiql@" in offline
    assert "graphiql-offline-hint" in offline and "bench/graphiql_assets.sh" in offline

    for package, file in _cdn_files():  # what bench/graphiql_assets.sh would install
        target = tmp_path / package / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"/* {package} */")
    local = await _page(client)  # same app, same process
    assert "unpkg.com" not in local and "graphiql-offline-hint" not in local
    assert f"{ASSET_PREFIX}graphiql/" in local
    package, file = _cdn_files()[0]
    asset = await client.get(f"{ASSET_PREFIX}{package}/{file}")
    assert asset.status == 200 and (await asset.text()) == f"/* {package} */"


# A few lines of DOM, enough for the hint script: one root element, events, readyState.
_FAKE_DOM = """
const listeners = {};
const root = { id: 'graphiql', textContent: 'Loading...', children: [],
  appendChild(c) { this.children.push(c); } };
global.window = { addEventListener(kind, fn) { listeners[kind] = fn; } };
global.document = {
  readyState: 'complete',
  getElementById(id) { return id === 'graphiql' ? root
    : (root.children.find(c => c.id === id) || null); },
  createElement(tag) { return { tagName: tag.toUpperCase(), style: {} }; },
  addEventListener(kind, fn) { listeners['doc:' + kind] = fn; },
};
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_hint_script_replaces_loading_when_the_cdn_fails() -> None:
    script = HINT_SCRIPT.removeprefix("<script>").removesuffix("</script>")
    program = (
        _FAKE_DOM
        + script
        + """
listeners.error({ target: { tagName: 'SCRIPT' } });
listeners.load();
const hints = root.children.map(c => c.textContent);
console.log(JSON.stringify({ text: root.textContent, hints }));
"""
    )
    result = subprocess.run(
        ["node", "-e", program], capture_output=True, text=True, timeout=30, check=True
    )
    shown = json.loads(result.stdout)
    assert shown == {"text": "", "hints": [OFFLINE_HINT]}  # shown once, "Loading..." gone
