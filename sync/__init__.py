"""Sync: upstream adapters, merge, diff, write, run lifecycle, scheduler and lock."""
