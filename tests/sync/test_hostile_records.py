"""Hostile records are counted invalid, never stored and never fatal: a negative models.dev
price, ids and names too long for a btree index entry, duplicate ids (which used to reach
source_records twice and fail the whole upsert)."""

from __future__ import annotations

from typing import Any

from sync.parse import MAX_TEXT_CHARS
from sync.sources import huggingface, models_dev, openrouter


def _models_dev(models: dict[str, Any]) -> dict[str, Any]:
    return {"acme": {"id": "acme", "name": "Acme", "models": models}}


def _md_model(name: str, cost: dict[str, Any]) -> dict[str, Any]:
    return {"id": name, "name": name, "cost": cost, "limit": {"context": 1000, "output": 100}}


def _or_model(model_id: str, name: str = "Model", prompt: str = "0.000001") -> dict[str, Any]:
    return {"id": model_id, "name": name, "pricing": {"prompt": prompt, "completion": prompt}}


def test_negative_models_dev_price_is_invalid() -> None:
    result = models_dev.normalize(
        _models_dev({"ok": _md_model("ok", {"input": 1}), "neg": _md_model("neg", {"input": -5})})
    )
    assert [i.external_id for i in result.items] == ["acme/ok"]
    assert result.invalid == 1
    assert "cost.input is negative" in result.invalid_examples[0]


def test_too_long_ids_and_names_are_invalid_and_not_kept_as_raw() -> None:
    assert MAX_TEXT_CHARS < 600
    long_id = "acme/" + "y" * 600
    result = openrouter.normalize(
        {
            "data": [
                _or_model("acme/ok"),
                _or_model(long_id),
                _or_model("acme/long-name", name="x" * 600),
            ]
        }
    )
    assert [i.external_id for i in result.items] == ["acme/ok"]
    assert result.invalid == 2
    assert long_id not in {r.external_id for r in result.raw}
    assert all(len(example) < 200 for example in result.invalid_examples)


def test_duplicate_ids_keep_the_first_record_once() -> None:
    rows = [{"id": "acme/m", "downloads": 1}, {"id": "acme/m", "downloads": 2}]
    result = huggingface.normalize(rows)
    assert [r.payload["downloads"] for r in result.raw] == [1]
    assert len(result.items) == 1 and result.invalid == 1
