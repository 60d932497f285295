"""Hostile upstream behaviour for scenario 5, installed as FakeUpstream handlers.

Transport attacks: a body that dribbles forever (slowloris), a redirect loop, a gzip bomb.
Data attacks: a valid snapshot with hostile records appended, per source: every field of
the wrong type (one record per field), absurd prices, duplicate ids and 1 MB strings.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hashlib
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from tests.reliability.support.catalogs import CREATOR, Snapshot
from tests.reliability.support.upstream import Handler

MIB = 1024 * 1024
BOMB_MEMBER_MIB = 64
BOMB_MEMBERS = 8  # 512 MiB decompressed from ~0.5 MB on the wire
HUGE = 1 * MIB
DRIBBLE_EVERY_S = 0.2
# Prices no upstream means: negative, beyond any plausible magnitude, not a number at all.
ABSURD_PRICES: tuple[Any, ...] = ("-5", -5, "1e300", 1e300, "NaN", "Infinity", "-Infinity")


# ------------------------------------------------------------------ transport attacks


async def slowloris(request: web.Request) -> web.StreamResponse:
    """200 and a JSON-looking start, then one byte every DRIBBLE_EVERY_S, forever."""
    resp = web.StreamResponse(headers={"Content-Type": "application/json"})
    await resp.prepare(request)
    try:
        await resp.write(b'{"data": [')
        while True:
            await resp.write(b" ")
            await asyncio.sleep(DRIBBLE_EVERY_S)
    except (ConnectionError, RuntimeError):  # the client gave up: exactly what we want
        return resp


async def redirect_loop(request: web.Request) -> web.StreamResponse:
    """302 to itself with a new query string every time: an endless chain."""
    hop = int(request.query.get("hop", "0")) + 1
    raise web.HTTPFound(location=f"{request.path}?hop={hop}")


@functools.cache
def gzip_bomb() -> bytes:
    """BOMB_MEMBERS gzip members of BOMB_MEMBER_MIB zeros each (aiohttp decodes members)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    zeros = bytes(MIB)
    member = b"".join(compressor.compress(zeros) for _ in range(BOMB_MEMBER_MIB))
    return (member + compressor.flush()) * BOMB_MEMBERS


async def serve_gzip_bomb(request: web.Request) -> web.StreamResponse:
    return web.Response(
        body=gzip_bomb(),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )


def static_body(body: bytes) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, content_type="application/json")

    return handle


# ------------------------------------------------------------------ data attacks


def wrong_type(value: Any) -> Any:
    """A value of a different JSON type than `value`."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return "many"
    if isinstance(value, str):
        # Not a number: OpenRouter's prices are numeric strings, and the number 12345 there
        # is a plausible-looking (if absurd) price rather than a type error.
        return True
    if isinstance(value, list):
        return {"not": "a list"}
    if isinstance(value, dict):
        return ["not", "an object"]
    return {"unexpected": True}


def field_paths(record: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every top-level field, and every field one object down."""
    paths: list[tuple[str, ...]] = []
    for key, value in record.items():
        paths.append((key,))
        if isinstance(value, dict):
            paths.extend((key, inner) for inner in value)
    return paths


def _set(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _get(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = record
    for key in path:
        value = value[key]
    return value


@dataclass(frozen=True)
class Shape:
    """How one source names and prices a record."""

    identify: Callable[[str], dict[str, Any]]  # fields that give a record the label's id
    price: tuple[str, ...]  # where its input price (or, for HF, its download count) lives
    text: str  # a free-text field to fill with 1 MB
    valid_prices: tuple[Any, Any]  # two different sane values, for the duplicate pair


def hostile_rows(template: dict[str, Any], shape: Shape) -> list[dict[str, Any]]:
    rows = []

    def variant(label: str, path: tuple[str, ...] | None = None, value: Any = None) -> None:
        row = copy.deepcopy(template)
        row.update(shape.identify(label))
        if path is not None:
            _set(row, path, value)
        rows.append(row)

    for path in field_paths(template):
        variant("wrong-" + "-".join(path), path, wrong_type(_get(template, path)))
    for n, price in enumerate(ABSURD_PRICES):
        variant(f"absurd-{n}", shape.price, price)
    for price in shape.valid_prices:
        variant("dup", shape.price, price)
    variant("huge-text", (shape.text,), "x" * HUGE)
    variant("h" + "y" * HUGE)  # a 1 MB id
    return rows


def _hex(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()[:24]


SHAPES = {
    "models.dev": Shape(
        identify=lambda label: {"id": label, "name": label},
        price=("cost", "input"),
        text="name",
        valid_prices=(3, 4),
    ),
    "openrouter": Shape(
        identify=lambda label: {
            "id": f"{CREATOR}/{label}",
            "canonical_slug": f"{CREATOR}/{label}",
            "name": label,
        },
        price=("pricing", "prompt"),
        text="description",
        valid_prices=("0.000003", "0.000004"),
    ),
    "huggingface": Shape(
        identify=lambda label: {
            "id": f"{CREATOR}/{label}",
            "modelId": f"{CREATOR}/{label}",
            "_id": _hex(label),
        },
        price=("downloads",),
        text="library_name",
        valid_prices=(1, 2),
    ),
    "artificialanalysis": Shape(
        identify=lambda label: {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, label)),
            "slug": label,
            "name": label,
        },
        price=("pricing", "price_1m_input_tokens"),
        text="name",
        valid_prices=(3, 4),
    ),
}


def hostile_bodies(snapshot: Snapshot) -> dict[str, bytes]:
    """Each source's valid snapshot plus its hostile records, as response bodies."""
    payloads = snapshot.payloads()
    models = payloads["models.dev"][CREATOR]["models"]
    template = next(iter(models.values()))
    for n, row in enumerate(hostile_rows(template, SHAPES["models.dev"])):
        # Keyed by its id where possible; the duplicate pair (and the record whose id is of
        # the wrong type) get a key of their own, as a JSON object holds a key only once.
        key = row["id"] if isinstance(row["id"], str) and row["id"] not in models else f"k{n}"
        models[key] = row
    for source, rows in (
        ("openrouter", payloads["openrouter"]["data"]),
        ("huggingface", payloads["huggingface"]),
        ("artificialanalysis", payloads["artificialanalysis"]["data"]),
    ):
        rows.extend(hostile_rows(rows[0], SHAPES[source]))
    return {source: orjson.dumps(payload) for source, payload in payloads.items()}
