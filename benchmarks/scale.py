"""Scale: the app on a million posts, locally and over a slow link, against the raw-query
floor and the stock Qt way (issue 10).

    .venv/bin/python benchmarks/scale.py            # `make bench`: the full data set
    .venv/bin/python benchmarks/scale.py --quick    # `make bench-quick`: a hundredth of it

Builds (or finds cached) the data set of benchmarks/dataset.py, then measures in one run,
each part in a fresh process so that no part's memory or threads disturb another:

1. cold start to the first users painted on the SQLite file (benchmarks/app_start.py),
   beside a minimal PySide6 window over the same file;
2. the app's steps with its real models and views offscreen (benchmarks/app_steps.py) on
   SQLite, on the local PostgreSQL server, and on that server through a loopback proxy
   adding 50 ms to each round trip (benchmarks/net_proxy.py);
3. the same pages by the raw query alone, no Qt (benchmarks/floor_queries.py);
4. the same queries without LIMIT in QSqlQueryModel + QTableView (benchmarks/stock_qt.py);
5. full-text search in the Find dialog, a common word, a rare word and two words, beside
   the same page from the data layer and beside LIKE '%word%' (benchmarks/search_steps.py).

It prints the table (median / p95 of the repeated runs), writes it with the machine and
the data set to var/bench/results.md (raw figures in results.json), and ends with the one
line the issue defines:

    bench: worst_p95_ms=… heavy_stock_ratio=… max_stall_ms=… rss_mb=… start_s=…
    proxy_first_rows_ms=… proxy_connect_rt=… proxy_open_rt=… start_ratio=… growth=…
    search_p95_ms=…

On the full set the local steps run a second time on the quick set (a hundredth of the
data): its p95 is the table's "quick set p95" column, and `growth` the worst ratio of a
step's p95 on the full set to the same step's on the quick set (keyset paging should make
the size of the tables nearly irrelevant).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import benchlib
import dataset
from benchlib import SORT_CASES, Sample

from desktop.store.urls import conninfo_parts

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Steps 2, 3 and 5 (the p95 target) and which of them are heavy (the stock Qt target).
FIRST_ROWS = [
    "select heavy user",
    "select typical user",
    "select heavy post",
    "select typical post",
    "filter prefix",
    "filter substring",
]
HEAVY = ["select heavy user", "select heavy post", "filter prefix", "filter substring"]
# Search steps: the first page of results painted (target 50 ms; through the proxy one
# round trip). Their "stock" column is the naive way, LIKE '%word%'.
SEARCH_STEPS = ["search common word", "search rare word", "search two words"]
TARGETS = {
    "first_rows_p95_ms": 16.0,
    "ctrl_end_ms": 100.0,
    "stall_ms": 16.0,
    "first_rows_overhead_ms": 8.0,
    "rss_mb": 150.0,
    "start_s": 0.45,
    "start_ratio": 1.3,
    "growth": 1.5,
    "proxy_extra_ms": 16.0,
    "proxy_connect_rt": 3,
    "search_p95_ms": 50.0,
    "proxy_open_rt": 4,
    "proxy_open_extra_ms": 30.0,
}


@dataclass
class Backend:
    key: str  # sqlite, postgresql, proxy
    label: str
    facts: dict[str, Any]
    proxy: bool
    scroll_pages: int  # 0: to the end


@dataclass
class Measured:
    ours: dict[str, Sample]
    ours_extra: dict[str, Any]
    floor: dict[str, Sample]
    stock: dict[str, Sample]
    stock_extra: dict[str, Any]


# -- running the parts ------------------------------------------------------------------------
def child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home))
    # This checkout's code, whichever checkout the virtualenv was installed from.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # As on a person's machine, where the first launch leaves the modules compiled (the
    # warm-up start of cold_start does that here): with PYTHONDONTWRITEBYTECODE set, as in
    # some shells and CI, every cold start compiled the app's modules again (about 60 ms
    # of the 0.3 s) and the start-up figure measured the compiler (startup.py does this too).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(script: str, args: list[str], env: dict[str, str], timeout: float) -> None:
    command = [sys.executable, str(HERE / script), *args]
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout)
    print(f"    ({script}: {time.monotonic() - started:.1f} s)", flush=True)
    for line in result.stderr.splitlines():
        print(f"    {script}: {line}", flush=True)
    if result.returncode != 0:
        raise SystemExit(
            f"{script} {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )


def cold_start(database: str, runs: int, env: dict[str, str]) -> tuple[Sample, Sample]:
    """Launch to the first users painted: the app, and the minimal window, in turns."""
    app, minimal = Sample(), Sample()

    def once(kind: str) -> float:
        launched = time.time()
        result = subprocess.run(
            [sys.executable, str(HERE / "app_start.py"), kind, database],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        lines = [ln for ln in result.stdout.splitlines() if ln.startswith("painted ")]
        if result.returncode != 0 or not lines:
            raise SystemExit(f"app_start.py {kind} failed: {result.stderr[-2000:]}")
        return (float(lines[-1].split()[1]) - launched) * 1000

    once("minimal")  # warm-up: file caches, fontconfig's cache, .pyc files
    once("app")
    for _ in range(runs):
        minimal.add(once("minimal"))
        app.add(once("app"))
    return app, minimal


def measure_quick_set(
    backends: list[Backend],
    runs: int,
    folder: Path,
    bench_dir: Path,
    env: dict[str, str],
    scale: float,
) -> dict[str, Measured]:
    """The local steps again on a smaller set (the quick set), for the growth column."""
    import facts as facts_module

    data = dataset.ensure(scale=scale, folder=bench_dir, postgres=any(
        b.key == "postgresql" for b in backends))
    quick: dict[str, Measured] = {}
    for backend in backends:
        if backend.proxy:
            continue
        where = data.sqlite_path if backend.key == "sqlite" else data.pg_url
        assert where is not None
        facts = facts_module.gather(where, data.heavy_user, data.heavy_post)
        if backend.key == "postgresql":
            facts["port"] = backend.facts["port"]
        small = Backend(backend.key, backend.label, facts, False, 0)
        print(f"  {backend.label}, quick set:", flush=True)
        quick[backend.key] = measure(small, runs, folder, env, tag="quick-", search=False)
    return quick


def measure(
    backend: Backend,
    runs: int,
    folder: Path,
    env: dict[str, str],
    tag: str = "",
    search: bool = True,
) -> Measured:
    facts_path = folder / f"facts-{tag}{backend.key}.json"
    facts_path.write_text(json.dumps(backend.facts))
    proxy = ["--proxy"] if backend.proxy else []
    common = [str(facts_path)]
    scroll = ["--scroll-pages", str(backend.scroll_pages)]
    outs = {
        part: folder / f"{part}-{tag}{backend.key}.json" for part in ("ours", "floor", "stock")
    }
    timeout = 3600
    print(f"  {backend.label}: the app's steps…", flush=True)
    run_child("app_steps.py", [*common, str(outs["ours"]), "--runs", str(runs), *proxy, *scroll],
              env, timeout)
    print(f"  {backend.label}: the floor…", flush=True)
    run_child("floor_queries.py", [*common, str(outs["floor"]), "--runs", str(runs), *proxy],
              env, timeout)
    print(f"  {backend.label}: stock Qt…", flush=True)
    run_child("stock_qt.py", [*common, str(outs["stock"]), "--runs", str(runs), *proxy, *scroll],
              env, timeout)
    ours, ours_extra = benchlib.load_results(outs["ours"])
    floor, _ = benchlib.load_results(outs["floor"])
    stock, stock_extra = benchlib.load_results(outs["stock"])
    if search:
        print(f"  {backend.label}: search…", flush=True)
        searched = folder / f"search-{tag}{backend.key}.json"
        run_child("search_steps.py", [*common, str(searched), "--runs", str(runs), *proxy],
                  env, timeout)
        search_ours, search_extra = benchlib.load_results(searched)
        ours.update(search_ours)
        floor.update({k: Sample(**v) for k, v in search_extra["floor"].items()})
        stock.update({k: Sample(**v) for k, v in search_extra["naive"].items()})
    return Measured(ours, ours_extra, floor, stock, stock_extra)


# -- the table ----------------------------------------------------------------------------------
def ms(value: float) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def pair(sample: Sample | None) -> str:
    if sample is None or not sample.values:
        return "—"
    if len(sample.values) == 1:
        return ms(sample.values[0])
    return f"{ms(sample.median)} / {ms(sample.p95)}"


def trips(*samples: Sample | None) -> str:
    shown = [str(s.trips) if s is not None and s.trips is not None else "—" for s in samples]
    return " / ".join(shown)


@dataclass
class Row:
    step: str
    backend: str
    ours: Sample | None
    floor: Sample | None
    stock: Sample | None
    proxy: bool
    quick: Sample | None = None  # the same step on the quick set (full runs only)

    def growth(self) -> float | None:
        if not (self.ours and self.quick and self.ours.values and self.quick.values):
            return None
        return self.ours.p95 / self.quick.p95

    def cells(self) -> list[str]:
        overhead = ratio = "—"
        if self.ours and self.floor and self.ours.values and self.floor.values:
            overhead = ms(self.ours.median - self.floor.median)
        if self.ours and self.stock and self.ours.values and self.stock.values:
            ratio = f"{self.ours.median / self.stock.median:.2f}"
        stalls = " / ".join(
            ms(s.max_stall) if s is not None and s.stalls else "—" for s in (self.ours, self.stock)
        )
        round_trips = trips(self.ours, self.floor, self.stock) if self.proxy else "—"
        return [
            self.step,
            self.backend,
            pair(self.ours),
            pair(self.floor),
            pair(self.stock),
            overhead,
            ratio,
            round_trips,
            stalls,
            ms(self.quick.p95) if self.quick and self.quick.values else "—",
            "—" if (growth := self.growth()) is None else f"{growth:.2f}",
        ]


HEADER = [
    "step",
    "backend",
    "ours ms (median / p95)",
    "floor ms",
    "stock Qt ms",
    "overhead over floor",
    "ours ÷ stock",
    "round trips (ours / floor / stock)",
    "longest GUI stall ms (ours / stock)",
    "quick set p95 ms",
    "full ÷ quick p95",
]

STEP_LABELS = [
    ("connect", "6. connect"),
    ("open", "open → first users painted"),
    ("select heavy user", "2. select heavy user → posts painted"),
    ("select typical user", "2. select typical user → posts painted"),
    ("select heavy post", "3. select heavy post → comments painted"),
    ("select typical post", "3. select typical post → comments painted"),
    ("scroll", "4. scroll heavy user's posts page by page"),
    ("scroll page", "4. … each page (scroll to painted)"),
    ("ctrl+end", "4. Ctrl+End → last rows painted"),
    ("filter prefix", "5. filter users by a prefix → painted"),
    ("filter substring", "5. filter users by a substring → painted"),
    ("search common word", "7. search a common word → first page painted (stock: LIKE)"),
    ("search rare word", "7. search a rare word → first page painted (stock: LIKE)"),
    ("search two words", "7. search two words → first page painted (stock: LIKE)"),
    *(
        step
        for case in SORT_CASES
        for step in (
            (f"sort {case.label}", f"8. sort {case.label} → first rows painted (stock: ORDER BY)"),
            (f"sort end {case.label}", "8. … then Ctrl+End → last rows painted"),
        )
    ),
]


def scroll_name(samples: dict[str, Sample]) -> str | None:
    names = [n for n in samples if n.startswith("scroll") and "(per page)" not in n
             and "first page" not in n]
    return names[0] if names else None


def rows_for(backend: Backend, m: Measured, quick: Measured | None = None) -> list[Row]:
    rows: list[Row] = []
    for key, label in STEP_LABELS:
        ours = m.ours.get(key)
        floor = m.floor.get(key)
        stock = m.stock.get(key)
        if key == "connect":
            if backend.key == "sqlite":
                continue
            ours = m.floor.get("connect (app)")
        elif key == "open":
            floor = _sum(m.floor.get("connect"), m.floor.get("open"))
            stock = _sum(m.stock.get("connect"), m.stock.get("open"))
        elif key == "scroll":
            name = scroll_name(m.ours)
            ours = m.ours.get(name) if name else None
            stock = m.stock.get(scroll_name(m.stock) or "")
            floor = m.floor.get("scroll to end") if name == "scroll to end" else None
            if name and name != "scroll to end":
                pages = ours.notes.get("pages") if ours else "?"
                label = f"4. scroll heavy user's posts, {pages} pages"
        elif key == "scroll page":
            name = scroll_name(m.ours)
            ours = m.ours.get(f"{name} (per page)") if name else None
            floor = stock = None
        small = quick.ours.get(key) if quick is not None and key in GROWTH_STEPS else None
        rows.append(Row(label, backend.label, ours, floor, stock, backend.proxy, small))
    return rows


# The steps whose time should not grow with the tables (start-up and the whole scroll do).
GROWTH_STEPS = {
    *FIRST_ROWS,
    "ctrl+end",
    "scroll page",
    "open",
    *(f"sort {case.label}" for case in SORT_CASES),
    *(f"sort end {case.label}" for case in SORT_CASES),
}


def growth_of(measured: dict[str, Measured], quick: dict[str, Measured]) -> float:
    ratios = [
        m.ours[step].p95 / quick[key].ours[step].p95
        for key, m in measured.items()
        if key in quick
        for step in GROWTH_STEPS
        if step in m.ours and step in quick[key].ours and quick[key].ours[step].values
        and m.ours[step].values
    ]
    return max(ratios, default=math.nan)


def _sum(a: Sample | None, b: Sample | None) -> Sample | None:
    """Medians added: a floor made of two parts (a connect and a query)."""
    if a is None or b is None or not a.values or not b.values:
        return None
    return Sample([a.median + b.median])


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


# -- the summary -----------------------------------------------------------------------------
def summarise(
    measured: dict[str, Measured],
    start: tuple[Sample, Sample],
    quick: dict[str, Measured] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    local = [k for k in ("sqlite", "postgresql") if k in measured]
    worst_p95 = max(
        (measured[k].ours[s].p95 for k in local for s in FIRST_ROWS if s in measured[k].ours),
        default=math.nan,
    )
    overhead = max(
        (
            measured[k].ours[s].median - measured[k].floor[s].median
            for k in local
            for s in FIRST_ROWS
            if s in measured[k].ours and s in measured[k].floor
        ),
        default=math.nan,
    )
    ratios = [
        measured[k].ours[s].median / measured[k].stock[s].median
        for k in local
        for s in HEAVY
        if s in measured[k].ours and s in measured[k].stock
    ]
    stalls = [
        sample.max_stall
        for m in measured.values()
        for sample in m.ours.values()
        if sample.stalls
    ]
    rss = [m.ours_extra.get("rss_after_scroll_mb", math.nan) for k, m in measured.items()
           if k in local]
    ctrl_end = [measured[k].ours["ctrl+end"].p95 for k in local if "ctrl+end" in measured[k].ours]
    sort_first = [
        sample.p95
        for k in local
        for name, sample in measured[k].ours.items()
        if name.startswith("sort ") and not name.startswith("sort end ")
    ]
    sort_end = [
        sample.p95
        for k in local
        for name, sample in measured[k].ours.items()
        if name.startswith("sort end ")
    ]
    whole_length = {
        k: (
            sum(r == m.ours_extra.get("heavy_user_posts") for r in rows),
            len(rows),
        )
        for k, m in measured.items()
        if (rows := m.ours_extra.get("heavy_user_rows_at_first_paint"))
    }
    proxy = measured.get("proxy")
    proxy_first = (
        max((proxy.ours[s].p95 for s in FIRST_ROWS if s in proxy.ours), default=math.nan)
        if proxy else math.nan
    )
    proxy_rt = (
        proxy.floor["connect (app)"].trips if proxy and "connect (app)" in proxy.floor else None
    )
    search_p95 = max(
        (measured[k].ours[s].p95 for k in local for s in SEARCH_STEPS if s in measured[k].ours),
        default=math.nan,
    )
    proxy_search = (
        max((proxy.ours[s].p95 for s in SEARCH_STEPS if s in proxy.ours), default=math.nan)
        if proxy else math.nan
    )
    proxy_search_rt = max(
        (t for s in SEARCH_STEPS if proxy and s in proxy.ours and (t := proxy.ours[s].trips)),
        default=None,
    )
    # Round trips from "open" to the first users painted, with their count (the median run).
    proxy_open = proxy.ours.get("open") if proxy else None
    proxy_open_rt = proxy_open.trips if proxy_open is not None else None
    app, minimal = start
    values: dict[str, Any] = {
        "search_p95_ms": search_p95,
        "worst_p95_ms": worst_p95,
        "heavy_stock_ratio": max(ratios, default=math.nan),
        "max_stall_ms": max(stalls, default=math.nan),
        "rss_mb": max(rss, default=math.nan),
        "start_s": app.median / 1000,
        "proxy_first_rows_ms": proxy_first,
        "proxy_connect_rt": proxy_rt,
        "proxy_open_rt": proxy_open_rt,
        "ctrl_end_p95_ms": max(ctrl_end, default=math.nan),
        "sort_p95_ms": max(sort_first, default=math.nan),
        "sort_end_p95_ms": max(sort_end, default=math.nan),
        "minimal_start_s": minimal.median / 1000,
        "start_ratio": app.median / minimal.median,
        "worst_overhead_ms": overhead,
        "growth": growth_of(measured, quick) if quick else math.nan,
    }
    one_trip = 2 * benchlib.PROXY_DELAY_S * 1000
    checks = [
        ("steps 2, 3, 5: p95 ≤ 16 ms on SQLite and local PostgreSQL",
         worst_p95 <= TARGETS["first_rows_p95_ms"], f"worst p95 {worst_p95:.1f} ms"),
        ("heavy steps faster than stock Qt (ours ÷ stock < 1)",
         values["heavy_stock_ratio"] < 1, f"worst ratio {values['heavy_stock_ratio']:.2f}"),
        ("step 4: last rows painted ≤ 100 ms after Ctrl+End (SQLite, local PostgreSQL)",
         values["ctrl_end_p95_ms"] <= TARGETS["ctrl_end_ms"],
         f"worst p95 {values['ctrl_end_p95_ms']:.1f} ms"),
        ("sorting (users by posts, heavy user's posts by title, each way): first rows painted"
         " p95 ≤ 16 ms (SQLite, local PostgreSQL)",
         values["sort_p95_ms"] <= TARGETS["first_rows_p95_ms"],
         f"worst p95 {values['sort_p95_ms']:.1f} ms"),
        ("sorting: Ctrl+End in each sorted list ≤ 100 ms (SQLite, local PostgreSQL)",
         values["sort_end_p95_ms"] <= TARGETS["ctrl_end_ms"],
         f"worst p95 {values['sort_end_p95_ms']:.1f} ms"),
        ("no GUI stall over 16 ms (any step, any backend)",
         values["max_stall_ms"] <= TARGETS["stall_ms"], f"longest {values['max_stall_ms']:.1f} ms"),
        ("step 4: the scroll bar shows the whole list from the first paint (heavy user)",
         all(whole == runs for whole, runs in whole_length.values()),
         ", ".join(f"{k} {w} of {n} runs" for k, (w, n) in whole_length.items())),
        ("click steps: median overhead over the floor ≤ 8 ms",
         overhead <= TARGETS["first_rows_overhead_ms"], f"worst {overhead:.1f} ms"),
        ("resident memory ≤ 150 MB after scrolling through the heavy user's posts",
         values["rss_mb"] <= TARGETS["rss_mb"], f"{values['rss_mb']:.0f} MB"),
        ("step 1: cold start ≤ 0.45 s", values["start_s"] <= TARGETS["start_s"],
         f"{values['start_s']:.3f} s (minimal window {values['minimal_start_s']:.3f} s)"),
        ("step 1: cold start ≤ 1.3 times the minimal window measured beside it",
         values["start_ratio"] <= TARGETS["start_ratio"], f"{values['start_ratio']:.2f} times"),
        ("step 7: search's first page painted, p95 ≤ 50 ms on SQLite and local PostgreSQL",
         search_p95 <= TARGETS["search_p95_ms"], f"worst p95 {search_p95:.1f} ms"),
    ]
    if quick:
        checks.append(
            ("growth: each step's p95 on the full set ≤ 1.5 times on the quick set",
             values["growth"] <= TARGETS["growth"], f"worst {values['growth']:.2f} times")
        )
    if proxy:
        checks += [
            ("step 6: first rows ≤ one round trip + 16 ms through the proxy",
             proxy_first <= one_trip + TARGETS["proxy_extra_ms"],
             f"worst p95 {proxy_first:.1f} ms (one round trip {one_trip:.0f} ms)"),
            ("step 6: Ctrl+End's last rows ≤ one round trip + 16 ms through the proxy",
             "ctrl+end" in proxy.ours
             and proxy.ours["ctrl+end"].p95 <= one_trip + TARGETS["proxy_extra_ms"],
             f"p95 {proxy.ours['ctrl+end'].p95:.1f} ms, {proxy.ours['ctrl+end'].trips} "
             "round trips" if "ctrl+end" in proxy.ours else "not measured"),
            ("step 6: connected within 3 round trips",
             proxy_rt is not None and proxy_rt <= TARGETS["proxy_connect_rt"],
             f"{proxy_rt} round trips"),
            ("step 7: search's first page in one round trip through the proxy",
             proxy_search_rt == 1,
             f"worst p95 {proxy_search:.1f} ms, {proxy_search_rt} round trips"),
            ("open → first users painted within 4 round trips + 30 ms through the proxy",
             proxy_open is not None and proxy_open_rt is not None
             and proxy_open_rt <= TARGETS["proxy_open_rt"]
             and proxy_open.p95 <= TARGETS["proxy_open_rt"] * one_trip
             + TARGETS["proxy_open_extra_ms"],
             f"{proxy_open_rt} round trips, {proxy_open.p95:.1f} ms"
             if proxy_open is not None else "not measured"),
        ]
    lines = [
        f"- {'met' if ok else '**NOT met**'}: {what} — {detail}" for what, ok, detail in checks
    ]
    return values, lines


def summary_line(values: dict[str, Any]) -> str:
    def fmt(value: Any, digits: int) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "na"
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    return (
        f"bench: worst_p95_ms={fmt(values['worst_p95_ms'], 1)} "
        f"heavy_stock_ratio={fmt(values['heavy_stock_ratio'], 2)} "
        f"max_stall_ms={fmt(values['max_stall_ms'], 1)} "
        f"rss_mb={fmt(values['rss_mb'], 0)} "
        f"start_s={fmt(values['start_s'], 3)} "
        f"proxy_first_rows_ms={fmt(values['proxy_first_rows_ms'], 1)} "
        f"proxy_connect_rt={fmt(values['proxy_connect_rt'], 0)} "
        f"proxy_open_rt={fmt(values['proxy_open_rt'], 0)} "
        f"start_ratio={fmt(values['start_ratio'], 2)} "
        f"growth={fmt(values['growth'], 2)} "
        f"sort_p95_ms={fmt(values['sort_p95_ms'], 1)} "
        f"sort_end_p95_ms={fmt(values['sort_end_p95_ms'], 1)} "
        f"search_p95_ms={fmt(values['search_p95_ms'], 1)}"
    )


# -- the machine -------------------------------------------------------------------------------
def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    from PySide6 import __version__ as pyside
    from PySide6.QtCore import qVersion

    load = os.getloadavg()
    return [
        f"{platform.platform()}; {cpu}; {os.cpu_count()} CPUs{memory}",
        f"Python {platform.python_version()}, PySide6 {pyside} (Qt {qVersion()}), "
        f"SQLite {sqlite3.sqlite_version}, QT_QPA_PLATFORM=offscreen",
        f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
        "(a shared machine: compare the columns, which were measured side by side)",
    ]


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


# -- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a hundredth of the data set")
    parser.add_argument("--scale", type=float, help="another fraction of the data set")
    parser.add_argument("--runs", type=int, help="repeats of each step (default 15; quick 10)")
    parser.add_argument("--start-runs", type=int, help="cold starts of each (default 10; quick 5)")
    parser.add_argument("--proxy-runs", type=int,
                        help="repeats through the proxy (default: --runs; quick 5)")
    parser.add_argument("--backends", default="sqlite,postgresql,proxy",
                        help="which of sqlite,postgresql,proxy to measure")
    parser.add_argument("--proxy-scroll-pages", type=int, default=100,
                        help="pages scrolled through the proxy (0: to the end)")
    parser.add_argument("--dir", type=Path, default=dataset.BENCH_DIR,
                        help="where the data set is cached and the results written")
    parser.add_argument("--growth-scale", type=float, default=0.01,
                        help="the smaller set the steps run on again for the growth column "
                        "(default: the quick set; only when --scale is larger)")
    parser.add_argument("--no-growth", action="store_true",
                        help="skip the second run on the smaller set")
    args = parser.parse_args(argv)
    scale = args.scale if args.scale is not None else (0.01 if args.quick else 1.0)
    small = scale < 1
    runs = args.runs or (10 if small else 15)
    proxy_runs = args.proxy_runs or (5 if small and not args.runs else runs)
    start_runs = args.start_runs or (5 if small else 10)
    chosen = [b.strip() for b in args.backends.split(",") if b.strip()]
    postgres = any(b in chosen for b in ("postgresql", "proxy"))
    began = time.monotonic()

    data = dataset.ensure(scale=scale, folder=args.dir, postgres=postgres)
    plan = data.generate_plan()
    builds = dataset.describe_builds(data)
    for line in builds:
        print(f"  build: {line}")

    import facts as facts_module

    backends: list[Backend] = []
    sqlite_facts = facts_module.gather(data.sqlite_path, data.heavy_user, data.heavy_post)
    if "sqlite" in chosen:
        backends.append(Backend("sqlite", "SQLite", sqlite_facts, False, 0))
    if postgres:
        assert data.pg_url is not None
        pg_facts = facts_module.gather(data.pg_url, data.heavy_user, data.heavy_post)
        pg_facts["port"] = int(conninfo_parts(data.pg_url).get("port", "5432"))
        if "postgresql" in chosen:
            backends.append(Backend("postgresql", "PostgreSQL", pg_facts, False, 0))
        if "proxy" in chosen:
            pages = 0 if small else args.proxy_scroll_pages
            backends.append(Backend("proxy", "PostgreSQL, 50 ms round trip", pg_facts, True, pages))

    with tempfile.TemporaryDirectory(prefix="postdesk-scale-") as scratch:
        folder = Path(scratch)
        home = folder / "home"
        home.mkdir()
        env = child_env(home)
        print(f"Cold start, {start_runs} runs (the app and a minimal window in turns)…",
              flush=True)
        started = time.monotonic()
        start = cold_start(data.sqlite_path, start_runs, env)
        print(f"    ({time.monotonic() - started:.1f} s)", flush=True)
        measured: dict[str, Measured] = {}
        for backend in backends:
            measured[backend.key] = measure(
                backend, proxy_runs if backend.proxy else runs, folder, env
            )
        quick: dict[str, Measured] = {}
        if scale > args.growth_scale and not args.no_growth:
            quick = measure_quick_set(backends, runs, folder, args.dir, env, args.growth_scale)

    app_start, minimal_start = start
    table: list[list[str]] = [
        Row("1. cold start → first users painted (floor: minimal PySide6 window)", "SQLite",
            app_start, minimal_start, None, False).cells()
    ]
    for backend in backends:
        table += [
            row.cells() for row in rows_for(backend, measured[backend.key], quick.get(backend.key))
        ]
    values, checks = summarise(measured, start, quick)
    line = summary_line(values)

    notes = notes_for(measured, sqlite_facts, plan)
    when = time.strftime("%Y-%m-%d %H:%M %Z")
    versions = machine()
    if postgres and data.pg_url:
        versions[1] += f", {postgres_version(data.pg_url)}"
    text = "\n".join(
        [
            f"# Scale benchmark ({'quick, ' if small else ''}{when})",
            "",
            *[f"- {v}" for v in versions],
            f"- data set: {plan.users:,} users, {plan.total_posts:,} posts (heavy user "
            f"{plan.heavy_user_posts:,}), {plan.total_comments:,} comments (heavy post "
            f"{plan.heavy_post_comments:,})",
            *[f"- build: {b}" for b in builds],
            f"- {runs} runs of each step ({proxy_runs} through the proxy; cold start: "
            f"{start_runs}); times from the click "
            "(key, selection) to the end of the paint with the rows; p95 interpolated",
            "",
            markdown(table),
            "",
            "Floor: the same page from the app's data layer alone (Repository on a bare",
            "connection: same SQL, same driver; no thread, model or paint); for 'open', a bare",
            "driver connect plus the first users page. Stock Qt: QSqlQueryModel in a",
            "QTableView running the same query without LIMIT (QSQLITE / QPSQL); for Ctrl+End,",
            "every row fetched then scrolled to the bottom. Round trips as counted by the proxy.",
            "",
            "## Targets",
            "",
            *checks,
            "",
            "## Notes",
            "",
            *[f"- {n}" for n in notes],
            "",
            line,
            "",
        ]
    )
    print()
    print(text)
    args.dir.mkdir(parents=True, exist_ok=True)
    name = "results-quick" if small else "results"
    (args.dir / f"{name}.md").write_text(text)
    raw = {
        key: {
            "ours": {k: v.__dict__ for k, v in m.ours.items()},
            "floor": {k: v.__dict__ for k, v in m.floor.items()},
            "stock": {k: v.__dict__ for k, v in m.stock.items()},
            "ours_extra": m.ours_extra,
            "stock_extra": m.stock_extra,
        }
        for key, m in measured.items()
    }
    raw["start"] = {"app": app_start.__dict__, "minimal": minimal_start.__dict__}
    (args.dir / f"{name}.json").write_text(json.dumps(raw, indent=1, default=str))
    print(f"(written to {args.dir / (name + '.md')} in {time.monotonic() - began:.0f} s)")
    print(line)
    return 0


def notes_for(measured: dict[str, Measured], facts: dict[str, Any], plan: Any) -> list[str]:
    notes: list[str] = []
    for key, m in measured.items():
        rows = m.ours_extra.get("heavy_user_rows_at_first_paint") or []
        total = m.ours_extra.get("heavy_user_posts")
        if rows and total:
            whole = sum(1 for r in rows if r == total)
            known = m.ours.get("heavy user: length known")
            notes.append(
                f"{key}: the posts list showed its whole length ({total:,} rows) at the first "
                f"paint in {whole} of {len(rows)} runs; otherwise it grew when the count came "
                f"(median {ms(known.median) if known else '?'} ms after the first paint)"
            )
        if "rss_after_scroll_mb" in m.ours_extra:
            notes.append(
                f"{key}: resident memory {m.ours_extra.get('rss_at_start_mb', math.nan):.0f} MB "
                f"with the window open, {m.ours_extra['rss_after_scroll_mb']:.0f} MB after the "
                f"scroll ({m.ours_extra.get('loaded_rows_after_scroll', '?')} rows loaded); "
                f"stock Qt {m.stock_extra.get('rss_after_scroll_mb', math.nan):.0f} MB"
            )
        collected = m.ours_extra.get("gc_in_scroll")
        if collected:
            notes.append(
                f"{key}: Python's cycle collector during the scroll: longest pause "
                f"{max(collected['longest_ms']):.1f} ms ({collected['counts'][2]} full "
                f"collections, longest {collected['longest_ms'][2]:.1f} ms)"
            )
        for step in ("select heavy user", "ctrl+end"):
            sample = m.stock.get(step)
            if sample and sample.notes.get("blocked_ms"):
                blocked = statistics.median(sample.notes["blocked_ms"])
                notes.append(
                    f"{key}: stock Qt '{step}' blocked the GUI thread {blocked:.1f} ms "
                    f"(median) and held {sample.notes.get('rows', '?')} rows"
                )
    notes.append(
        f"Rows used: heavy user #{facts['heavy_user']} (row {facts['heavy_user_pos']:,} of "
        f"the users list), typical user #{facts['typical_user']} "
        f"({facts['typical_user_posts']} posts), heavy post #{facts['heavy_post']} "
        f"({facts['heavy_post_comments']:,} comments), typical post #{facts['typical_post']} "
        f"({facts['typical_post_comments']} comments); filters "
        f"'{facts['filter_prefix']}' and '{facts['filter_substring']}'."
    )
    notes.append(
        "Ctrl+End is pressed with the first post selected: with no current row, Qt's "
        "QTableView moves to the first row instead."
    )
    return notes


if __name__ == "__main__":
    sys.exit(main())
