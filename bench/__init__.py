"""Benchmarks: reproducible load and sync measurements; results in BENCHMARKS.md."""
