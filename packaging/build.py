"""Build the bundle and the archive, and print what they weigh: `make package`.

    .venv/bin/python packaging/build.py

1. Runs PyInstaller on packaging/postdesk.spec: dist/Postdesk/ (the one-folder bundle,
   executable dist/Postdesk/Postdesk), with build files under build/pyinstaller/.
2. Puts install-desktop.sh beside the executable (it installs the menu entry and icon for
   the current user, from wherever the folder was unpacked).
3. Writes the archive a person downloads: dist/Postdesk-VERSION-OS-ARCH.tar.gz
   (a .zip on Windows) holding the Postdesk/ folder.
4. Prints the size on disk, the archive's size, the ten largest files and the budget.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "postdesk.spec"
NAME = "Postdesk"
BUDGET_DISK = 100 * 1000 * 1000  # bytes: "100 MB on disk"
BUDGET_ARCHIVE = 40 * 1000 * 1000
OTHER_QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2")
MB = 1000 * 1000


def version() -> str:
    # Written once, in desktop/__init__.py (pyproject.toml reads it from there too).
    text = (ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'__version__ = "([^"]+)"', text)
    if found is None:
        raise SystemExit("build: no __version__ in desktop/__init__.py")
    return found[1]


def archive_name(dist: Path) -> Path:
    systems = {"linux": "linux", "darwin": "macos", "win32": "windows"}
    system = systems.get(sys.platform, sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64")
    suffix = ".zip" if sys.platform == "win32" else ".tar.gz"
    return dist / f"{NAME}-{version()}-{system}-{machine}{suffix}"


def files_of(folder: Path) -> list[tuple[int, Path]]:
    """(size, path) of every regular file; links are not counted twice."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            found.append((path.stat().st_size, path))
    return found


def write_archive(bundle: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    if target.suffix == ".zip":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in sorted(bundle.rglob("*")):
                archive.write(path, path.relative_to(bundle.parent))
        return
    with tarfile.open(target, "w:gz", compresslevel=9) as archive:
        archive.add(bundle, arcname=bundle.name)  # keeps the links as links


def other_qt_bindings() -> list[str]:
    return [name for name in OTHER_QT_BINDINGS if importlib.util.find_spec(name) is not None]


def report(bundle: Path, archive: Path) -> list[str]:
    files = files_of(bundle)
    disk = sum(size for size, _path in files)
    packed = archive.stat().st_size
    lines = [
        f"Bundle  {bundle}: {disk / MB:.1f} MB on disk in {len(files)} files "
        f"(budget {BUDGET_DISK / MB:.0f} MB: {'met' if disk <= BUDGET_DISK else 'OVER'})",
        f"Archive {archive}: {packed / MB:.1f} MB "
        f"(budget {BUDGET_ARCHIVE / MB:.0f} MB: {'met' if packed <= BUDGET_ARCHIVE else 'OVER'})",
        "Ten largest files:",
    ]
    for size, path in sorted(files, key=lambda item: -item[0])[:10]:
        lines.append(f"  {size / MB:6.1f} MB  {path.relative_to(bundle)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    args = parser.parse_args(argv)

    others = other_qt_bindings()
    if others:  # the spec excludes them; say so, since PyInstaller refuses mixed bindings
        print(f"build: also installed, excluded from the bundle: {', '.join(others)}")
    started = time.monotonic()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(args.dist), "--workpath", str(args.work), str(SPEC),
    ]
    print("build:", " ".join(command), flush=True)
    if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
        print("build: PyInstaller failed", file=sys.stderr)
        return 1
    bundle = args.dist / NAME
    if sys.platform.startswith("linux"):
        script = bundle / "install-desktop.sh"
        shutil.copy2(ROOT / "packaging" / "install-desktop.sh", script)
        script.chmod(0o755)
    archive = archive_name(args.dist)
    write_archive(bundle, archive)
    print(f"build: done in {time.monotonic() - started:.0f} s")
    for line in report(bundle, archive):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
