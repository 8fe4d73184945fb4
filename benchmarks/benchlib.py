"""What the scale benchmark's scripts share: statistics, the GUI heartbeat, waiting for a
paint, resident memory, and the JSON the child processes hand back."""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROXY_DELAY_S = 0.025  # each way: a 50 ms round trip
FRAME_MS = 16.0
WAIT_TIMEOUT_S = 60.0
SLOW_WAIT_MS = 5000.0  # a wait this long is reported: something is stuck


@dataclass(frozen=True)
class SortCase:
    """One sort the bench times (app_steps.py), beside the data layer's page
    (floor_queries.py) and the whole ORDER BY in stock Qt (stock_qt.py): steps "sort LABEL"
    (the first rows in the new order) and "sort end LABEL" (Ctrl+End in it)."""

    label: str
    kind: str  # "users", or "posts" (the heavy user's)
    key: str  # the order's key (desktop.store.records.Order)
    descending: bool


SORT_CASES = [
    SortCase(f"{what} {way}", kind, key, way == "descending")
    for what, kind, key in (
        ("users by posts", "users", "posts"),
        ("heavy user's posts by title", "posts", "title"),
    )
    for way in ("descending", "ascending")
]


# -- numbers ---------------------------------------------------------------------------------
def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated between the nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Sample:
    """One step's repeated measurements (milliseconds unless said), with what went along."""

    values: list[float] = field(default_factory=list)
    stalls: list[float] = field(default_factory=list)  # longest GUI stall per run, ms
    round_trips: list[int] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, value: float, *, stall: float | None = None, trips: int | None = None) -> None:
        self.values.append(value)
        if stall is not None:
            self.stalls.append(stall)
        if trips is not None:
            self.round_trips.append(trips)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.values, 95)

    @property
    def max_stall(self) -> float:
        return max(self.stalls) if self.stalls else math.nan

    @property
    def trips(self) -> int | None:
        return statistics.median_high(self.round_trips) if self.round_trips else None


Results = dict[str, Sample]


def dump_results(results: Results, extra: dict[str, Any], path: Path) -> None:
    payload = {"samples": {k: asdict(v) for k, v in results.items()}, "extra": extra}
    path.write_text(json.dumps(payload, indent=1))


def load_results(path: Path) -> tuple[Results, dict[str, Any]]:
    payload = json.loads(path.read_text())
    samples = {k: Sample(**v) for k, v in payload["samples"].items()}
    return samples, payload["extra"]


def rss_mb() -> float:
    """This process's resident memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def now_ms() -> float:
    return time.perf_counter() * 1000


class GcWatch:
    """The longest pause of Python's cycle collector, per generation, while installed: a
    stall the heartbeat sees has this as one possible cause."""

    def __init__(self) -> None:
        import gc

        self.longest = [0.0, 0.0, 0.0]
        self.counts = [0, 0, 0]
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = now_ms()
        else:
            generation = info["generation"]
            self.longest[generation] = max(self.longest[generation], now_ms() - self._began)
            self.counts[generation] += 1

    def reset(self) -> None:
        self.longest = [0.0, 0.0, 0.0]
        self.counts = [0, 0, 0]


# -- the proxy ------------------------------------------------------------------------------------
def proxied(url: str, port: int) -> str:
    """A PostgreSQL address with its port replaced (the proxy listens on 127.0.0.1)."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(url, host="127.0.0.1", port=str(port))


class NoProxy:
    """Stands in for net_proxy.ProxyProcess when there is no proxy: no round trips."""

    def reset_counts(self) -> None:
        return None

    @property
    def round_trips(self) -> int:
        return 0


# -- Qt helpers (imported lazily: the floor needs no Qt) ----------------------------------------
def make_heartbeat() -> Any:
    """A 1 ms timer on the GUI thread; the longest gap between its ticks is the longest
    time the GUI thread could not react (a stall)."""
    from PySide6.QtCore import QObject, Qt, QTimer

    class Heartbeat(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.timer = QTimer(self)
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)
            self.timer.setInterval(1)
            self.timer.timeout.connect(self._tick)
            self.last = now_ms()
            self.longest = 0.0
            self.missed = 0  # gaps longer than a frame
            self.timer.start()

        def _tick(self) -> None:
            moment = now_ms()
            gap = moment - self.last
            self.longest = max(self.longest, gap)
            self.missed += gap > FRAME_MS
            self.last = moment

        def restart(self) -> None:
            """Measure from now: the next gap starts here."""
            self.last = now_ms()
            self.longest = 0.0
            self.missed = 0

        def stall(self) -> float:
            """The longest gap since restart(), the current one included."""
            return max(self.longest, now_ms() - self.last)

        def frames_missed(self) -> int:
            """How many gaps since restart() were longer than a frame (FRAME_MS): on a
            loaded machine the longest gap is one draw of the scheduler, this is how often."""
            return self.missed

    return Heartbeat()


def quiet_qt_messages() -> None:
    """Drop the one message the offscreen platform prints at every window shown."""
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
        if "propagateSizeHints" not in text:
            print(text, file=sys.stderr)

    qInstallMessageHandler(handler)


def wait_for(condition: Callable[[], bool], timeout_s: float = WAIT_TIMEOUT_S) -> None:
    """Run the event loop until `condition()` holds."""
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return
    began = now_ms()
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(1)
    expired: list[bool] = []

    def check() -> None:
        if condition():
            loop.quit()

    def expire() -> None:
        expired.append(True)
        loop.quit()

    poll.timeout.connect(check)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(expire)
    poll.start()
    guard.start(int(timeout_s * 1000))
    while not condition() and not expired:
        loop.exec()
    poll.stop()
    guard.stop()
    if expired and not condition():
        raise TimeoutError(f"not ready within {timeout_s:.0f} s")
    waited = now_ms() - began
    if waited > SLOW_WAIT_MS:
        print(f"slow: waited {waited / 1000:.1f} s for {condition}", file=sys.stderr, flush=True)


def settle() -> None:
    """Paint what the window was asked to paint: a timed step starts on a quiet window, as a
    person's click does, not inside the repaints the previous step's answers asked for
    (widget updates are posted events, each pass of the event loop paints them)."""
    from PySide6.QtCore import QCoreApplication

    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def make_paint_watch(widget: Any) -> Any:
    """Watches `widget` (a view's viewport) for a paint after which `ready()` holds.

    `expect(ready)` arms it; `wait()` runs the event loop until such a paint has finished
    and returns the moment it had (ms, time.perf_counter scale): the end of the paint event,
    stamped as the event loop comes back from it.
    """
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    class PaintWatch(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.widget = widget
            self.ready: Callable[[], bool] | None = None
            self.painted_at: float | None = None
            self.paints = 0
            self.loop: QEventLoop | None = None
            widget.installEventFilter(self)

        def expect(self, ready: Callable[[], bool]) -> None:
            self.ready = ready
            self.painted_at = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if watched is self.widget and event.type() == QEvent.Type.Paint:
                self.paints += 1
                if self.ready is not None and self.painted_at is None and self.ready():
                    self.ready = None
                    # The paint itself runs when this returns; the zero timer fires after it.
                    QTimer.singleShot(0, self._stamp)
            return False

        def _stamp(self) -> None:
            self.painted_at = now_ms()
            if self.loop is not None:
                self.loop.quit()

        def wait(self, timeout_s: float = WAIT_TIMEOUT_S) -> float:
            if self.painted_at is None:
                self.loop = QEventLoop()
                guard = QTimer()
                guard.setSingleShot(True)
                guard.timeout.connect(self.loop.quit)
                guard.start(int(timeout_s * 1000))
                self.loop.exec()
                guard.stop()
                self.loop = None
            if self.painted_at is None:
                raise TimeoutError(f"no paint with the rows within {timeout_s:.0f} s")
            return self.painted_at

    return PaintWatch()


def visible_rows_loaded(table: Any, model: Any) -> bool:
    """The view has rows, and every row it shows has its record."""
    first, last = table.visible_rows()
    if first < 0:
        return False
    return all(model.record(row) is not None for row in range(first, last + 1))


def print_json_line(tag: str, payload: dict[str, Any]) -> None:
    print(f"{tag} {json.dumps(payload)}", flush=True)
