"""Effect Models: the process — settings, storage, HTTP app, CLI."""

__version__ = "0.1.0"
