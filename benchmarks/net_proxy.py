"""tests/support/proxy.py in a process of its own, driven over its stdin and stdout.

    python benchmarks/net_proxy.py HOST PORT DELAY_S

It prints the port it listens on, then answers one line per command: `reset` (round-trip
counter back to zero) -> `ok`, `count` -> the round trips since, `quit` (or end of input)
-> stops. A process of its own so that its threads never take the GIL from the GUI thread
being measured. `ProxyProcess` starts and drives one.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent


class ProxyProcess:
    """A loopback proxy adding `delay_s` each way, run in a child process."""

    def __init__(self, host: str, port: int, delay_s: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), host, str(port), str(delay_s)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=ROOT,
        )
        self.port = int(self._read())

    def _read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the proxy process ended early")
        return line.strip()

    def _ask(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def reset_counts(self) -> None:
        self._ask("reset")

    @property
    def round_trips(self) -> int:
        return int(self._ask("count"))

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError, RuntimeError):
                self._ask("quit")
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> ProxyProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def serve(host: str, port: int, delay_s: float) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.support.proxy import Proxy

    with Proxy(host, port, delay_s, lifetime_s=None) as proxy:
        print(proxy.port, flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "reset":
                proxy.reset_counts()
                print("ok", flush=True)
            elif command == "count":
                print(proxy.round_trips, flush=True)
            elif command == "quit":
                print("bye", flush=True)
                break
            else:
                print(f"unknown command {command!r}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
