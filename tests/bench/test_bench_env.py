"""What the scale benchmark's parts run with: a person's machine, not this shell."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_parts_run_with_their_modules_compiled_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person's first launch leaves the app's modules compiled; with
    PYTHONDONTWRITEBYTECODE passed on (set in some shells and in CI), every cold start
    compiled them again and the start-up figure measured the compiler (about 60 ms)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    sys.modules.pop("scale", None)
    scale = importlib.import_module("scale")

    env = scale.child_env(tmp_path)
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert "PYTHONPROFILEIMPORTTIME" not in env
    assert env["HOME"] == str(tmp_path)
