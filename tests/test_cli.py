"""The CLI as a user runs it: real processes, real ports, exit codes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
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


@pytest.mark.slow
def test_serve_without_database_url_runs_embedded_postgres(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DATA_DIR": str(tmp_path), "REDIS_URL": ""})
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--host", "127.0.0.1"],
        env={**env, "LOG_FORMAT": "text", "SYNC_CRON": "", "SYNC_ON_STARTUP": "false"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_serving(port, proc, seconds=120)
        assert _get(f"http://127.0.0.1:{port}/ready") == 200
    finally:
        err = _stop(proc)
    assert "starting embedded PostgreSQL" in err
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
    assert private.startswith("/tmp/em-test.") and runtime == private  # noqa: S108 - the name checked
    assert made.startswith(private + "/")
    assert not Path(private).exists()  # removed, with the file made inside it
