"""The CLI as a user runs it: real processes, real ports, exit codes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from server import __version__


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_until_serving(port: int, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"server exited early: {proc.stderr.read() if proc.stderr else ''}"
            )
        try:
            if _get(f"http://127.0.0.1:{port}/health") == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


def test_version() -> None:
    result = _run(["version"])
    assert result.returncode == 0 and result.stdout.strip() == __version__


def test_bad_port_exits_2_with_one_line_naming_it() -> None:
    result = _run(["serve"], {"PORT": "abc"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PORT" in lines[0]


def test_usage_error_exits_2() -> None:
    assert _run(["frobnicate"]).returncode == 2
    assert _run(["serve", "--port", "x"]).returncode == 2


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--host", "127.0.0.1"],
        env={
            **os.environ,
            "LOG_FORMAT": "text",
            "SYNC_CRON": "",
            "SYNC_ON_STARTUP": "false",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return err


def test_serve_with_database_url_uses_it_and_stops_on_sigterm(database_url: str) -> None:
    port = _free_port()
    proc = _serve({"DATABASE_URL": database_url, "REDIS_URL": ""}, port)
    try:
        _wait_until_serving(port, proc)
        assert _get(f"http://127.0.0.1:{port}/ready") == 200
    finally:
        err = _stop(proc)
    assert "embedded" not in err.lower()


@contextmanager
def _fake_upstream() -> Iterator[str]:
    """The fixture payloads over loopback HTTP (a stand-in for the four upstream APIs)."""
    fixtures = Path(__file__).resolve().parent / "fixtures" / "upstream"
    handler = partial(QuietHandler, directory=str(fixtures))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


def _models_total(port: int) -> int:
    url = f"http://127.0.0.1:{port}/v1/models?limit=1"
    with urllib.request.urlopen(url, timeout=5) as resp:
        total: int = json.loads(resp.read())["meta"]["total"]
        return total


@pytest.mark.slow
def test_serve_without_database_url_runs_embedded_postgres_and_fills_it(tmp_path: Path) -> None:
    """`make run` on a fresh clone: embedded PostgreSQL, no DATABASE_URL, no SYNC_CRON (the
    development default); the start-up sync fills the catalog from the (fake) upstreams."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SYNC_CRON")}
    env.update({"DATA_DIR": str(tmp_path), "REDIS_URL": "", "LOG_FORMAT": "text"})
    env.pop("SYNC_ON_STARTUP", None)
    with _fake_upstream() as base:
        env.update(
            MODELS_DEV_URL=f"{base}/models_dev.json",
            OPENROUTER_URL=f"{base}/openrouter.json",
            HUGGINGFACE_URL=f"{base}/huggingface.json",
            ARTIFICIAL_ANALYSIS_URL=f"{base}/artificialanalysis.json",
            ARTIFICIAL_ANALYSIS_API_KEY="fake-key",
            API_RETRY_MS="10",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_until_serving(port, proc, seconds=120)
            assert _get(f"http://127.0.0.1:{port}/ready") == 200
            deadline = time.monotonic() + 60
            while _models_total(port) == 0 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _models_total(port) > 0
        finally:
            err = _stop(proc)
    assert "starting embedded PostgreSQL" in err
    assert "start-up sync succeeded: the catalog now holds" in err
    assert (tmp_path / "postgres" / "PG_VERSION").exists()
    assert not (tmp_path / "postgres" / "postmaster.pid").exists(), "embedded server left running"


def test_a_missing_database_fails_at_once_with_one_clear_line(database_url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(database_url)
    missing = urlunsplit(parts._replace(path="/em_no_such_database"))
    # A long start-up timeout: only the "does not exist" rule can end this quickly.
    env = {"DATABASE_URL": missing, "DB_STARTUP_TIMEOUT_MS": "600000", "LOG_FORMAT": "text"}
    result = _run(["migrate"], env)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "database 'em_no_such_database' does not exist" in output
    assert "createdb" in output
    assert "retrying" not in output  # no retry loop


def test_make_test_runs_in_a_private_tmp_that_is_removed() -> None:
    script = Path(__file__).resolve().parents[1] / ".ci" / "with-private-tmp"
    probe = (
        "import os, sys, tempfile; fd, path = tempfile.mkstemp(); os.close(fd); "
        "print(tempfile.gettempdir(), os.environ['XDG_RUNTIME_DIR'], path); sys.exit(7)"
    )
    result = subprocess.run(
        [str(script), sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 7  # the command's exit status comes through
    private, runtime, made = result.stdout.split()
    assert private.startswith("/tmp/em-test.")  # noqa: S108 - the name checked
    assert runtime == private + "/run"
    assert made.startswith(private + "/")
    assert not Path(private).exists()  # removed, with the file made inside it


@pytest.mark.slow
def test_offline_first_run_hint_command_loads_saved_payloads(tmp_path: Path) -> None:
    """Offline `make run`: the start-up line names `effect-models sync --from-dir DIR`;
    running it beside the serving process (same embedded PostgreSQL) fills the catalog the
    server answers from, and the server keeps its database."""
    port, dead = _free_port(), f"http://127.0.0.1:{_free_port()}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SYNC_CRON")}
    env.pop("SYNC_ON_STARTUP", None)
    env.update(DATA_DIR=str(tmp_path), REDIS_URL="", LOG_FORMAT="text", API_RETRY_MS="10")
    env.update(MODELS_DEV_URL=f"{dead}/a", OPENROUTER_URL=f"{dead}/b", HUGGINGFACE_URL=f"{dead}/c")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        _wait_until_serving(port, proc, seconds=120)
        deadline = time.monotonic() + 60
        while "no upstream could be reached" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert _models_total(port) == 0
        fixtures = Path(__file__).resolve().parent / "fixtures" / "upstream"
        loaded = subprocess.run(
            [sys.executable, "-m", "server", "sync", "--from-dir", str(fixtures)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        deadline = time.monotonic() + 10  # the server re-reads the catalog version
        while _models_total(port) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _models_total(port) > 0
        assert _get(f"http://127.0.0.1:{port}/ready") == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    assert "effect-models sync --from-dir DIR" in log.read_text()
