"""The alert/recording rules (docs/prometheus/) and the Grafana board (docs/grafana/) checked
with the real tools: `promtool check rules`, `promtool test rules` (synthetic series), and a
real Prometheus scraping a real server on loopback every second, with the rules loaded:
every series name the rules and the board use must exist there, every rule must evaluate
without error, and every board query must run.

promtool and prometheus come from Debian's `prometheus` package, unpacked (not installed)
under .cache/prometheus by bench/prometheus_tools.sh (`make test` and .ci/run call it).
Skipped, with the reason, when they are absent.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from server.core.tables import sync_runs
from server.http.app import create_app
from sync.interface import SYNC_SERVICE
from tests.conftest import ADMIN_TOKEN
from tests.sync.support import file_settings

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs/prometheus/effect-models.rules.yml"
RULE_TESTS = ROOT / "docs/prometheus/effect-models.rules.test.yml"
DASHBOARD = ROOT / "docs/grafana/effect-models.json"
TOOLS = ROOT / ".cache/prometheus/usr/bin"
# Series the service exports are all named effect_models_*; recorded ones effect_models:*.
SERVICE_SERIES = re.compile(r"\beffect_models_[a-zA-Z0-9_]+")
RECORDED_SERIES = re.compile(r"\beffect_models:[a-zA-Z0-9_:]+")
# Grafana's macros, given the values Grafana would give them for a short range.
GRAFANA_MACROS = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}

Client = TestClient[web.Request, web.Application]


def _tool(name: str) -> Path:
    path = TOOLS / name
    if not path.exists():
        pytest.skip(
            f"{path} is missing: run bench/prometheus_tools.sh (Debian's prometheus package)"
        )
    return path


def _rule_exprs() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def _recorded_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def dashboard_exprs() -> list[str]:
    """Every PromQL expression of the board, Grafana's macros replaced."""
    board = json.loads(DASHBOARD.read_text())
    exprs = []
    for panel in _panels(board["panels"]):
        for target in panel.get("targets", []):
            expr = target["expr"]
            for macro, value in GRAFANA_MACROS.items():
                expr = expr.replace(macro, value)
            assert "$" not in expr, f"unknown Grafana variable in {expr!r}"
            exprs.append(expr)
    return exprs


# ------------------------------------------------------------------ promtool


def test_promtool_check_rules() -> None:
    done = subprocess.run(
        [str(_tool("promtool")), "check", "rules", str(RULES)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_promtool_unit_tests_with_synthetic_series() -> None:
    done = subprocess.run(
        [str(_tool("promtool")), "test", "rules", str(RULE_TESTS)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=RULE_TESTS.parent,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_dashboard_is_grafana_json_with_a_query_in_every_panel() -> None:
    board = json.loads(DASHBOARD.read_text())
    assert board["uid"] == "effect-models"
    panels = [p for p in _panels(board["panels"]) if p["type"] != "row"]
    assert len(panels) >= 15
    ids = [p["id"] for p in _panels(board["panels"])]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"]), panel
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    titles = " ".join(p["title"].lower() for p in panels)
    for topic in ("requests", "latency", "errors", "cache", "rate limit", "source", "models"):
        assert topic in titles, topic


# ------------------------------------------------------------------ a real Prometheus


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _json(session: aiohttp.ClientSession, url: str, **params: str) -> Any:
    async with session.get(url, params=params) as resp:
        body = await resp.json()
        assert resp.status == 200 and body["status"] == "success", (url, params, body)
        return body["data"]


class Prometheus:
    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base = base
        self.session = session

    async def query(self, expr: str) -> Any:
        return await _json(self.session, f"{self.base}/api/v1/query", query=expr)

    async def names(self) -> set[str]:
        return set(await _json(self.session, f"{self.base}/api/v1/label/__name__/values"))

    async def rules(self) -> list[dict[str, Any]]:
        data = await _json(self.session, f"{self.base}/api/v1/rules")
        return [rule for group in data["groups"] for rule in group["rules"]]


@pytest.fixture
async def served(aiohttp_client: Any, settings: Settings) -> Client:
    """The real app on loopback after one real sync (from the file fixtures), so that the
    sync series exist too, and some traffic of several kinds."""
    app = create_app(file_settings(settings))
    client: Client = await aiohttp_client(app)
    started = await client.post(
        "/v1/admin/sync", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert started.status == 202
    await app[SYNC_SERVICE].wait_idle()
    for path in ("/v1/models", "/v1/models", "/v1/providers", "/v1/models/none/such"):
        await client.get(path)
    await client.post("/graphql", json={"query": "{ models(first: 2) { totalCount } }"})
    return client


@pytest.fixture
async def prometheus(served: Client, tmp_path: Path) -> AsyncIterator[Prometheus]:
    binary = _tool("prometheus")
    port = _free_port()
    target = f"{served.host}:{served.port}"
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": "effect-models", "static_configs": [{"targets": [target]}]}
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = (tmp_path / "prometheus.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(binary),
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as session:
            prom = Prometheus(f"http://127.0.0.1:{port}", session)
            await _until_scraped(prom, proc, tmp_path / "prometheus.log")
            yield prom
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.close()


async def _until_scraped(prom: Prometheus, proc: Any, log: Path) -> None:
    """Until the target was scraped a few times and every rule has been evaluated."""
    for _ in range(300):
        if proc.returncode is not None:
            raise AssertionError(f"prometheus exited: {log.read_text()[-2000:]}")
        try:
            up = await prom.query('up{job="effect-models"}')
            rules = await prom.rules()
        except (aiohttp.ClientError, AssertionError):
            await asyncio.sleep(0.1)
            continue
        scraped = up["result"] and up["result"][0]["value"][1] == "1"
        evaluated = rules and all(r.get("lastEvaluation", "").startswith("20") for r in rules)
        samples = await prom.query("count_over_time(up[1m])")
        if scraped and evaluated and float(samples["result"][0]["value"][1]) >= 3:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"prometheus never scraped the app: {log.read_text()[-2000:]}")


async def test_every_series_the_rules_and_board_name_exists_in_a_real_scrape(
    served: Client, prometheus: Prometheus
) -> None:
    scrape = await (await served.get("/metrics")).text()
    stored = await prometheus.names()
    rule_text = RULES.read_text()
    board = dashboard_exprs()
    wanted = set(SERVICE_SERIES.findall(rule_text)) | set(SERVICE_SERIES.findall(" ".join(board)))
    assert len(wanted) >= 15, wanted
    missing = sorted(name for name in wanted if name not in stored)
    assert not missing, f"named by rules/board but absent from the scrape: {missing}"
    # Prometheus stored them because the service exported them (a scrape is the only source).
    assert all(name.removesuffix("_bucket") in scrape for name in wanted)
    assert "up" in stored
    # A recorded name the board uses must be one the rules record.
    assert set(RECORDED_SERIES.findall(" ".join(board))) <= _recorded_names()


async def test_every_rule_evaluates_and_no_alert_fires_on_a_healthy_server(
    prometheus: Prometheus,
) -> None:
    rules = await prometheus.rules()
    assert len(rules) == len(_rule_exprs())
    broken = [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
    assert not broken, broken
    firing = [r["name"] for r in rules if r.get("state") == "firing"]
    assert not firing, firing
    # Recording rules with data behind them produce their series.
    names = await prometheus.names()
    for recorded in (
        "effect_models:http_requests:rate5m",
        "effect_models:http_request_duration_seconds:p99_5m",
        "effect_models:cache_hit_ratio:rate10m",
        "effect_models:source_staleness_seconds",
    ):
        assert recorded in names, recorded
    staleness = await prometheus.query("effect_models:source_staleness_seconds")
    sources = {sample["metric"]["source"] for sample in staleness["result"]}
    assert {"models.dev", "openrouter", "huggingface"} <= sources


async def test_every_board_query_runs_in_prometheus(prometheus: Prometheus) -> None:
    returned = 0
    for expr in dashboard_exprs():
        data = await prometheus.query(expr)  # a parse or execution error fails in _json
        returned += bool(data["result"])
    # Most panels show data after a sync and a little traffic (error-only panels may not).
    assert returned >= len(dashboard_exprs()) - 4, returned


async def test_two_failed_syncs_page_through_the_real_pipeline(
    prometheus: Prometheus, engine: AsyncEngine
) -> None:
    """Rows in sync_runs -> the scrape-time gauge -> the rule -> a firing alert."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            insert(sync_runs),
            [
                {"trigger": "schedule", "status": "failed", "started_at": now, "finished_at": now}
                for _ in range(2)
            ],
        )
    query = 'ALERTS{alertname="EffectModelsSyncFailedTwice", alertstate="firing"}'
    for _ in range(150):  # scraped and evaluated every second: ~2 s when idle
        if (await prometheus.query(query))["result"]:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("EffectModelsSyncFailedTwice never fired")
