"""`effect-models smoke URL [--admin-token T]`: the deployment smoke check.

The blue-green step "run smoke tests" of the original deployment plan: probe a freshly
deployed instance through its public routes, print one line per check, and stop at the
first failure with a non-zero exit code so a pipeline can refuse the switch-over.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import urlsplit

import aiohttp
import orjson

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
CHECK_TIMEOUT_S = 10.0
GRAPHQL_QUERY = "{ models(first: 1) { totalCount } }"


class CheckFailed(Exception):
    """A check got an answer, but not the expected one."""


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[aiohttp.ClientSession, str], Awaitable[str]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="base URL of the deployment, e.g. https://models.example.com")
    parser.add_argument(
        "--admin-token",
        help="also check the admin sync history with this token (Authorization: Bearer)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=CHECK_TIMEOUT_S,
        help=f"seconds allowed per check (default {CHECK_TIMEOUT_S:g})",
    )


def main(args: argparse.Namespace, out: TextIO) -> int:
    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        print(
            f"effect-models smoke: URL must be http(s)://host[:port], got {args.url!r}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.timeout <= 0:
        print("effect-models smoke: --timeout must be positive", file=sys.stderr)
        return EXIT_USAGE
    base = args.url.rstrip("/")
    return asyncio.run(run_checks(base, args.admin_token, args.timeout, out))


async def run_checks(base: str, admin_token: str | None, timeout_s: float, out: TextIO) -> int:
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for check in checks(admin_token):
            started = time.monotonic()
            try:
                detail = await check.run(session, base)
            except (CheckFailed, aiohttp.ClientError, TimeoutError, ValueError) as exc:
                reason = str(exc) or type(exc).__name__
                print(f"FAIL {check.name}: {reason}", file=out)
                return EXIT_FAILURE
            elapsed_ms = (time.monotonic() - started) * 1000
            print(f"ok   {check.name}: {detail} ({elapsed_ms:.0f} ms)", file=out)
    return EXIT_OK


def checks(admin_token: str | None) -> list[Check]:
    found = [
        Check("health", check_health),
        Check("ready", check_ready),
        Check("models", check_models),
        Check("graphql", check_graphql),
    ]
    if admin_token:
        found.append(Check("sync-history", history_check(admin_token)))
    return found


async def fetch_json(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> dict[str, Any]:
    async with session.request(method, url, headers=headers, data=body) as resp:
        raw = await resp.read()
        if resp.status != 200:
            raise CheckFailed(f"HTTP {resp.status} from {method} {url}: {raw[:200]!r}")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CheckFailed(f"{method} {url} did not return JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CheckFailed(f"{method} {url} returned {type(data).__name__}, expected an object")
    return data


async def check_health(session: aiohttp.ClientSession, base: str) -> str:
    body = await fetch_json(session, "GET", f"{base}/health")
    if body.get("status") != "ok":
        raise CheckFailed(f"/health status is {body.get('status')!r}, expected 'ok'")
    return f"version {body.get('version')}"


async def check_ready(session: aiohttp.ClientSession, base: str) -> str:
    body = await fetch_json(session, "GET", f"{base}/ready")
    checks_seen = body.get("checks") or {}
    return ", ".join(f"{name} {state}" for name, state in checks_seen.items()) or "ready"


async def check_models(session: aiohttp.ClientSession, base: str) -> str:
    body = await fetch_json(session, "GET", f"{base}/v1/models?limit=1")
    data, meta = body.get("data"), body.get("meta")
    if not isinstance(data, list) or not isinstance(meta, dict):
        raise CheckFailed("/v1/models lacks the data list or the meta object")
    total = meta.get("total")
    if not isinstance(total, int) or total < 1:
        raise CheckFailed(f"/v1/models reports total={total!r}: the catalog is empty")
    return f"{total} models"


async def check_graphql(session: aiohttp.ClientSession, base: str) -> str:
    body = await fetch_json(
        session,
        "POST",
        f"{base}/graphql",
        headers={"Content-Type": "application/json"},
        body=orjson.dumps({"query": GRAPHQL_QUERY}),
    )
    if body.get("errors"):
        raise CheckFailed(f"GraphQL errors: {orjson.dumps(body['errors'])[:200]!r}")
    total = ((body.get("data") or {}).get("models") or {}).get("totalCount")
    if not isinstance(total, int):
        raise CheckFailed("GraphQL models.totalCount is missing")
    return f"models.totalCount {total}"


def history_check(token: str) -> Callable[[aiohttp.ClientSession, str], Awaitable[str]]:
    async def check_history(session: aiohttp.ClientSession, base: str) -> str:
        body = await fetch_json(
            session,
            "GET",
            f"{base}/v1/admin/sync/history?limit=1",
            headers={"Authorization": f"Bearer {token}"},
        )
        runs = body.get("data")
        if not isinstance(runs, list):
            raise CheckFailed("sync history lacks the data list")
        if not runs:
            return "no sync has run yet"
        last = runs[0]
        summary = f"last sync #{last.get('id')} {last.get('status')}"
        if last.get("status") == "failed":  # the catalog is not being refreshed
            raise CheckFailed(f"{summary}: {str(last.get('message') or '')[:300]}")
        if last.get("status") == "partial":
            return f"{summary} ({str(last.get('message') or '')[:200]})"
        return summary

    return check_history
