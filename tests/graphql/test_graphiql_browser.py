"""GraphiQL in a real headless browser, offline: load /graphql, run a query, screenshot it.

Needs Debian's chromium and the GraphiQL npm packages installed by
`bench/graphiql_assets.sh` (into .cache/graphiql); without either the test is skipped
with the reason. The page must load every asset from this app (no CDN: there is no
internet here), run the query typed into the editor and show its result. The screenshot
lands in pytest's tmp dir, or at $GRAPHIQL_SCREENSHOT when set (that is how
docs/graphiql.png is made).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from schema.graphiql import assets_dir
from server.core.settings import Settings
from server.http.app import create_app
from tests.graphql.cdp import chromium_path, headless_page
from tests.support.seed import SeedInfo

CHROMIUM = chromium_path()
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium not installed (apt-get install chromium)"
    ),
    pytest.mark.skipif(
        not (assets_dir() / "graphiql" / "graphiql.min.js").is_file(),
        reason=f"GraphiQL assets not in {assets_dir()} (run bench/graphiql_assets.sh)",
    ),
]

QUERY = """# Top reasoning models and their cheapest offering
{
  models(
    first: 3
    filter: {capabilities: [REASONING]}
    sort: {field: INTELLIGENCE_INDEX, descending: true}
  ) {
    totalCount
    edges {
      node {
        id
        name
        intelligenceIndex
        cheapestOffering { providerId inputPrice outputPrice }
      }
    }
  }
}
"""
RESULT_TEXT = "(document.querySelector('.result-window')?.innerText ?? '')"


async def test_graphiql_runs_a_query_from_the_page(
    aiohttp_server: Any, settings: Settings, seeded: SeedInfo, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    server = await aiohttp_server(create_app(settings))
    url = str(server.make_url("/graphql")) + "?q=" + quote(QUERY)
    screenshot = tmp_path / "graphiql.png"
    async with headless_page(CHROMIUM) as page:
        await page.send("Page.navigate", url=url)
        await page.wait_for("!!document.querySelector('.graphiql-execute-button')")
        await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        result = await page.wait_for(f"{RESULT_TEXT}.includes('totalCount') && {RESULT_TEXT}")
        await page.screenshot(screenshot)
        requested = list(page.requested_urls)
        errors = list(page.console_errors)

    assert '"google/gemini-2.5-pro"' in result and '"anthropic/claude-sonnet-4"' in result
    assert '"errors"' not in result
    hosts = {urlsplit(u).netloc for u in requested if u.startswith("http")}
    assert hosts == {f"{server.host}:{server.port}"}, requested  # nothing from a CDN
    assert any("/graphql/assets/graphiql/graphiql.min.js" in u for u in requested)
    assert errors == []
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("GRAPHIQL_SCREENSHOT")
    if target:
        shutil.copyfile(screenshot, target)
