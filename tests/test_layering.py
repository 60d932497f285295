"""The dependency rule is enforced: lint-imports (setup.cfg contracts) passes on the code and
fails, naming the contract, when a base module imports from an upper layer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("server", "schema", "sync", "migrations")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "setup.cfg")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def _copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path


def test_the_code_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("server/core/settings.py", "import schema.compose", "Base modules know nothing"),
        ("server/core/tables.py", "import aiohttp.web", "Base modules know nothing"),
        ("schema/errors.py", "import server.http.middleware", "does not reach into the HTTP edge"),
        ("server/http/rest/admin.py", "import sync.service", "only through its base interface"),
        ("server/http/app.py", "import server.cli", "the command line over HTTP over core"),
        ("sync/service.py", "import sync.app", "No import cycles"),
        ("schema/view.py", "import server.core.cache", "the app's one response cache"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    root = _copy(tmp_path)
    target = root / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = _lint(root)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(contract in row for row in broken), result.stdout
