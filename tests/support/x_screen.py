"""A virtual X screen for the tests that need a real window: Xvfb, and a grab of the screen.

    python -m tests.support.x_screen grab OUT.png     (DISPLAY set: saves the whole screen)

`XScreen` starts Xvfb on a free display (Xvfb picks it and reports it on a pipe) and stops it
on exit. `grab()` saves what the X server shows, read back through Qt's xcb plugin in a
separate process: the pixels of the real window, not the app's own rendering of itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]


class XScreen:
    def __init__(self, width: int = 1280, height: int = 800) -> None:
        self.size = f"{width}x{height}x24"
        self.process: subprocess.Popen[bytes] | None = None
        self.display = ""

    @staticmethod
    def available() -> bool:
        return shutil.which("Xvfb") is not None

    def __enter__(self) -> XScreen:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", self.size, "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()  # written once the server accepts clients
        if not number:
            self.__exit__(None, None, None)
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}

    def grab(self, out: Path) -> None:
        """Save the whole screen as a PNG."""
        env = self.env(dict(os.environ))
        subprocess.run(
            [sys.executable, "-m", "tests.support.x_screen", "grab", str(out)],
            env=env, cwd=ROOT, check=True, capture_output=True, timeout=30,
        )


def _grab(out: str) -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    screen = app.primaryScreen()
    return 0 if screen.grabWindow(0).save(out) else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "grab":
        sys.exit(_grab(sys.argv[2]))
    sys.exit(__doc__)
