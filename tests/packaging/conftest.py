"""The built bundle, for the tests that run it; and the packaging scripts, loaded by path.

`bundle` is dist/Postdesk/Postdesk (or $POSTDESK_BUNDLE). Without it, or when it is older
than the sources it was built from, the bundle tests skip with the reason; with CI set they
fail instead (CI runs `make package` before `make test`).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SOURCES = ("desktop", "db", "packaging", "resources/icons", "resources/postdesk.desktop",
           "pyproject.toml")
RunBundle = Callable[..., subprocess.CompletedProcess[str]]


def load_script(name: str) -> ModuleType:
    """A module of packaging/ by its file (packaging/ never goes on sys.path: it would
    shadow the `packaging` library)."""
    spec = importlib.util.spec_from_file_location(f"postdesk_{name}", PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _newest_source() -> tuple[float, Path]:
    newest = (0.0, ROOT)
    for name in SOURCES:
        top = ROOT / name
        for path in [top] if top.is_file() else top.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                newest = max(newest, (path.stat().st_mtime, path))
    return newest


def _unusable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The bundle's executable, built and up to date."""
    executable = Path(os.environ.get("POSTDESK_BUNDLE", ROOT / "dist" / "Postdesk" / "Postdesk"))
    if not executable.is_file():
        _unusable(f"there is no bundle at {executable}: `make package` builds it")
    built = executable.stat().st_mtime
    changed, path = _newest_source()
    if changed > built:
        _unusable(
            f"the bundle is older than {path.relative_to(ROOT)}: `make package` rebuilds it"
        )
    return executable


@pytest.fixture
def fresh_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def bundle_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a person's first launch: an empty home, no display."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "POSTDESK_FONTCONFIG", "FONTCONFIG_", "QT_"))
    }
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env


@pytest.fixture
def run_bundle(bundle: Path, fresh_home: Path) -> RunBundle:
    """Run the bundle with arguments, in a fresh home, offscreen unless told otherwise."""

    def run(*args: str, home: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bundle), *args],
            env=bundle_env(home or fresh_home, **env),
            capture_output=True,
            text=True,
            timeout=90,
        )

    return run
