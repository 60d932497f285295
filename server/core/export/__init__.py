"""Exports of the merged catalog in other tools' formats (LiteLLM's cost map)."""
