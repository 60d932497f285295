"""Run by test_litellm.py in a child process: the real litellm loads our cost map and prices
token counts with it. A child process because litellm reads LITELLM_MODEL_COST_MAP_URL once,
at import, as a deployment would.

stdin: {"mode": "env" | "register", "url": cost map URL, "cases": [Case], "providers": [name]}
stdout: {"source": litellm's cost-map source info, "resolved": {name: provider litellm
         routes "<name>/some-model" to, or null},
         "results": [{"cost_per_token": [prompt, completion], "completion_cost": total}]}
A Case: {"model", "provider" (or null), "input", "output", "cached", "write"}; tokens as
estimateCost counts them (input excludes cached and cache-write tokens).
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

import litellm
from litellm.litellm_core_utils.get_model_cost_map import get_model_cost_map_source_info


def _usage(case: dict[str, Any]) -> Any:
    # LiteLLM's prompt_tokens is the whole prompt: fresh, cache-read and cache-write tokens.
    prompt = case["input"] + case["cached"] + case["write"]
    return litellm.Usage(
        prompt_tokens=prompt,
        completion_tokens=case["output"],
        total_tokens=prompt + case["output"],
        cache_read_input_tokens=case["cached"],
        cache_creation_input_tokens=case["write"],
    )


def _price(case: dict[str, Any]) -> dict[str, Any]:
    prompt = case["input"] + case["cached"] + case["write"]
    per_token = litellm.cost_per_token(
        model=case["model"],
        custom_llm_provider=case["provider"],
        prompt_tokens=prompt,
        completion_tokens=case["output"],
        cache_read_input_tokens=case["cached"],
        cache_creation_input_tokens=case["write"],
    )
    response = litellm.ModelResponse(model=case["model"], usage=_usage(case))
    total = litellm.completion_cost(
        completion_response=response, model=case["model"], custom_llm_provider=case["provider"]
    )
    return {"cost_per_token": list(per_token), "completion_cost": total}


def _resolve(provider: str) -> str | None:
    """The provider litellm routes `<provider>/some-model` to, or None."""
    try:
        return str(litellm.get_llm_provider(model=f"{provider}/some-model")[1])
    except Exception:  # litellm raises BadRequestError for a provider it does not know
        return None


def main() -> None:
    request = json.load(sys.stdin)
    # litellm prints hints to stdout (e.g. its provider list URL): keep stdout for the answer.
    with contextlib.redirect_stdout(sys.stderr):
        if request["mode"] == "register":
            litellm.register_model(model_cost=request["url"])
        out = {
            "source": dict(get_model_cost_map_source_info()),
            "resolved": {name: _resolve(name) for name in request["providers"]},
            "results": [_price(case) for case in request["cases"]],
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
