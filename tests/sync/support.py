"""Helpers for the sync tests: fixture payload URLs and settings pointing at them."""

from __future__ import annotations

import os
from pathlib import Path

from server.core.secrets import Secret
from server.core.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upstream"
# The shared payloads beside the checkout; SHARED_UPSTREAM_DIR points elsewhere (a worktree).
SHARED = Path(
    os.environ.get("SHARED_UPSTREAM_DIR")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "upstream"
)
FIXTURE_FILES = {
    "models_dev_url": "models_dev.json",
    "openrouter_url": "openrouter.json",
    "huggingface_url": "huggingface.json",
    "artificial_analysis_url": "artificialanalysis.json",
}


def file_settings(base: Settings, directory: Path = FIXTURES, **overrides: object) -> Settings:
    """Settings whose four upstream URLs are file:// URLs in `directory`."""
    urls = {attr: (directory / name).resolve().as_uri() for attr, name in FIXTURE_FILES.items()}
    return base.with_overrides(
        **urls,
        artificial_analysis_api_key=Secret("test-aa-key"),
        api_retry_ms=10,
        rate_limit_ms=0,
        **overrides,
    )
