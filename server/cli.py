"""The effect-models command line. Exit codes: 0 ok, 1 failure, 2 usage or configuration."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from server import __version__
from server.core.settings import ConfigError, Settings, load_settings

log = logging.getLogger("server.cli")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
SHUTDOWN_TIMEOUT_S = 30.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="effect-models",
        description="AI model catalog service. Settings come from the environment (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="migrate the database, then serve HTTP")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 3000)")
    serve.add_argument("--host", help="interface to bind (default: $HOST or 0.0.0.0)")
    commands.add_parser("migrate", help="apply database migrations up to head")
    sync = commands.add_parser(
        "sync", help="run a sync in the foreground (exit 0 ok, 3 partial, 1 failed)"
    )
    from sync.cli import add_arguments as add_sync_arguments

    add_sync_arguments(sync)
    commands.add_parser("version", help="print the version")
    from server import smoke

    smoke.add_arguments(
        commands.add_parser("smoke", help="check a running deployment; exit 1 on the first failure")
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits 2 on usage errors
    if args.command == "version":
        print(__version__)
        return EXIT_OK
    if args.command == "smoke":  # needs no settings: it probes another process
        from server import smoke

        return smoke.main(args, sys.stdout)
    try:
        settings = load_settings()
        if args.command == "serve":
            settings = _apply_serve_flags(settings, args)
    except ConfigError as exc:
        print(f"effect-models: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from server.core.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    handler = COMMANDS[args.command]
    try:
        return handler(settings, args)
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except Exception as exc:
        log.error("%s failed: %s: %s", args.command, type(exc).__name__, exc)
        return EXIT_FAILURE


def _apply_serve_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    if args.port is not None and not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be an integer between 1 and 65535, got {args.port}")
    return settings.with_overrides(
        port=args.port if args.port is not None else settings.port,
        host=args.host or settings.host,
    )


@contextmanager
def database(settings: Settings) -> Iterator[Settings]:
    """Yield settings with a reachable, migrated database (embedded when DATABASE_URL is unset)."""
    from server.core.embedded import EmbeddedPostgres

    embedded = EmbeddedPostgres(settings.data_dir) if settings.uses_embedded_database else None
    try:
        if embedded is not None:
            settings = settings.with_overrides(database_url=embedded.start())
        _wait_and_migrate(settings)
        yield settings
    finally:
        if embedded is not None:
            embedded.stop()


def _wait_and_migrate(settings: Settings) -> None:
    from server.core.database import create_engine, wait_for_database
    from server.core.migrate import MigrationTimeouts, upgrade_to_head

    assert settings.database_url is not None

    async def wait() -> None:
        engine = create_engine(settings.database_url or "", pool_size=1)
        try:
            await wait_for_database(engine, settings)
        finally:
            await engine.dispose()

    asyncio.run(wait())
    log.info("migrating database to head")
    upgrade_to_head(settings.database_url, MigrationTimeouts.from_settings(settings))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from server.http.access_log import access_log_options
    from server.http.app import create_app

    with database(settings) as ready_settings:
        log.info("serving on http://%s:%d", ready_settings.host, ready_settings.port)
        web.run_app(
            create_app(ready_settings),
            host=ready_settings.host,
            port=ready_settings.port,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
            print=None,
            **access_log_options(ready_settings),
        )
    return EXIT_OK


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    with database(settings):
        log.info("database is at head")
    return EXIT_OK


def cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    from sync import cli as sync_cli
    from sync.service import validate_sources

    try:
        validate_sources(args.source)
        if args.from_dir is not None:
            settings = sync_cli.from_dir_settings(settings, args.from_dir, args.source)
    except ValueError as exc:
        print(f"effect-models sync: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with database(settings) as ready_settings:
        result = asyncio.run(sync_cli.run_cli_sync(ready_settings, args.source))
    sync_cli.print_summary(result)
    return sync_cli.exit_code(result)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "sync": cmd_sync,
}
