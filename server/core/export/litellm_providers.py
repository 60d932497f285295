"""Our provider ids (models.dev / OpenRouter spelling) -> LiteLLM's provider names.

A provider is exported only when LiteLLM knows it (its provider list, or the OpenAI-compatible
providers of its llms/openai_like/providers.json): LiteLLM can route to no other, and an
entry under a name it does not know would look like a provider it cannot call. Ids LiteLLM
spells the same way map to themselves; the rest are the renames below. The installed
litellm must resolve `<name>/<model>` to every target (tests/integrations/test_litellm.py).
"""

from __future__ import annotations

from typing import Final

_SAME_NAME: Final = (
    "anthropic",
    "azure",
    "baseten",
    "cerebras",
    "chutes",
    "clarifai",
    "cohere",
    "cortecs",
    "databricks",
    "deepinfra",
    "deepseek",
    "groq",
    "helicone",
    "inception",
    "minimax",
    "mistral",
    "modelscope",
    "morph",
    "nano-gpt",
    "nebius",
    "openai",
    "openrouter",
    "ovhcloud",
    "perplexity",
    "poe",
    "scaleway",
    "synthetic",
    "v0",
    "wandb",
    "xai",
    "zai",
)

_RENAMED: Final = {
    "abliteration-ai": "abliteration",
    "aihubmix": "aihubmix",
    "alibaba": "dashscope",
    "amazon-bedrock": "bedrock",
    "cloudflare-workers-ai": "cloudflare",
    "fireworks-ai": "fireworks_ai",
    "friendli": "friendliai",
    "github-models": "github",
    "gmicloud": "gmi",
    "google": "gemini",  # Google AI Studio (the Gemini API); Vertex AI is google-vertex
    "google-vertex": "vertex_ai",
    "llama": "meta_llama",
    "lmstudio": "lm_studio",
    "moonshotai": "moonshot",
    "novita-ai": "novita",
    "nvidia": "nvidia_nim",
    "opencode-go": "opencode_go",
    "sarvam": "sarvam",
    "sap-ai-core": "sap",
    "snowflake-cortex": "snowflake",
    "togetherai": "together_ai",
    "venice": "veniceai",
    "vercel": "vercel_ai_gateway",
    "xiaomi": "xiaomi_mimo",
}

# Not mapped although LiteLLM knows them: github-copilot (a subscription, not per-token
# billing; resolving it in LiteLLM even starts a device-login flow over the network) and
# huggingface (LiteLLM reads `huggingface/<inference provider>/<org>/<model>`, so our
# `huggingface/<org>/<model>` would be priced at 0 there: found by test_litellm_shared.py).
LITELLM_PROVIDERS: Final[dict[str, str]] = {**{p: p for p in _SAME_NAME}, **_RENAMED}

# Providers whose models LiteLLM's own map also lists under the bare model name
# ("gpt-4o", "claude-opus-4-1-20250805"): they get both keys.
BARE_NAME_PROVIDERS: Final = frozenset({"openai", "anthropic"})
