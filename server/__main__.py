"""python -m server == effect-models."""

from server.cli import main

raise SystemExit(main())
