"""A burst of other people's changes while the window is open: how long the GUI thread
stalls, and how soon the window shows the last of them.

    python benchmarks/live_burst.py [--database URL] [--changes 10000] [--users 20000]

Without --database a throw-away SQLite file is made. The database gets --users generated
users (each with a post and a comment); the real MainWindow opens it, a user and their
post are opened and the post form is given unsaved text. Another process then makes
--changes changes, each committed on its own as psql or the sqlite3 shell would: renames of
users across the whole list (those on screen among them), new posts, edited and deleted
comments. A 1 ms heartbeat timer on the GUI thread (benchlib.make_heartbeat) measures the
longest stall from the start of the burst until the window has followed its last change,
and how many of its gaps were longer than a frame. The same burst is first run with the
window not following (max_stall_not_following_ms, stalls_over_16ms_not_following): on a
loaded machine the writer alone stalls the GUI thread too. Prints one JSON line; the figure
to watch is max_stall_ms (16 ms is one frame at 60 Hz) beside that baseline, and where the
machine's load decides the longest gap, the counts of stalls beside each other.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib
from benchlib import now_ms

from desktop.store.connection import open_database
from desktop.store.seeding import GeneratePlan, generate
from desktop.store.urls import parse_url

LAST_NAME = "  Last of the burst"  # sorts first: on screen once the window has followed


def burst(url: str, changes: int, last_name: str) -> None:
    """In a process of its own: `changes` statements, each committed at once."""
    with open_database(url, migrate=False, create=False) as other:
        mark = "?" if other.dialect == "sqlite" else "%s"
        users = [row[0] for row in other.execute("SELECT id FROM users ORDER BY name, id")]
        comments = [row[0] for row in other.execute("SELECT id FROM comments ORDER BY id")]
        statements: list[tuple[str, tuple[Any, ...]]] = []
        for n in range(changes - 1):
            kind = n % 4
            if kind == 0:
                user = users[n // 4 % len(users)]
                sql = f"UPDATE users SET name = name || '.' WHERE id = {mark}"
                statements.append((sql, (user,)))
            elif kind == 1:
                user = users[n // 4 % len(users)]
                sql = f"INSERT INTO posts (user_id, title, content) VALUES ({mark}, {mark}, 'x')"
                statements.append((sql, (user, f"Burst post {n}")))
            elif kind == 2:
                comment = comments[n // 4 % len(comments)]
                sql = f"UPDATE comments SET body = body || '!' WHERE id = {mark}"
                statements.append((sql, (comment,)))
            else:
                comment = comments[-1 - n // 4 % len(comments)]
                statements.append((f"DELETE FROM comments WHERE id = {mark}", (comment,)))
        statements.append(
            (f"UPDATE users SET name = {mark} WHERE id = {mark}", (last_name, users[-1]))
        )
        for sql, params in statements:
            other.execute(sql, params)


def prepare(url: str, users: int) -> None:
    with open_database(url) as backend:
        if backend.execute("SELECT count(*) FROM users")[0][0] == 0:
            generate(backend, GeneratePlan(users, 1, 1))


def run_writer(url: str, changes: int, last_name: str) -> None:
    """The burst, from a process of its own, while the event loop runs."""
    writer = subprocess.Popen(
        [sys.executable, __file__, "--write", url, "--changes", str(changes), "--last", last_name],
        cwd=str(benchlib.ROOT),
    )
    benchlib.wait_for(lambda: writer.poll() is not None, timeout_s=600)


def loaded(record: Any) -> Any:
    assert record is not None
    return record


def measure(url: str, changes: int) -> dict[str, Any]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QLineEdit

    from desktop.ui.app import prepare_window
    from desktop.ui.editing import Kind
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings
    from desktop.ui.worker import Worker

    app = QApplication.instance() or QApplication([])
    benchlib.quiet_qt_messages()
    folder = Path(tempfile.mkdtemp(prefix="postdesk-bench-"))
    settings = Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    worker = Worker()
    window = MainWindow(worker, settings)
    prepare_window(window)  # as the app runs its window
    window.resize(1200, 760)
    window.show()
    opened: list[bool] = []
    window.switcher.opened.connect(lambda _o: opened.append(True))
    window.open_database(parse_url(url))
    benchlib.wait_for(lambda: bool(opened) and window.users.total is not None)
    editing = window.editing
    benchlib.wait_for(lambda: window.users.record(3) is not None)
    editing.select(Kind.USER, loaded(window.users.record(3)).id)
    benchlib.wait_for(lambda: window.posts.record(0) is not None)
    editing.select(Kind.POST, loaded(window.posts.record(0)).id)
    benchlib.wait_for(lambda: not worker.busy)
    title = window.forms[Kind.POST].editor("title")
    assert isinstance(title, QLineEdit)
    title.insert(" (unsaved)")
    benchlib.wait_for(lambda: window.live.following)

    heartbeat = benchlib.make_heartbeat()
    idle_from = now_ms()
    benchlib.wait_for(lambda: now_ms() - idle_from > 2000)
    idle_stall = heartbeat.stall()

    # The same burst with the window not following: what the writer and the machine's
    # load cost the GUI thread by themselves, to read the figure below against.
    window.live.stop()
    heartbeat.restart()
    run_writer(url, changes, "  Zz baseline burst")  # sorts after LAST_NAME
    unfollowed_stall = heartbeat.stall()
    unfollowed_missed = heartbeat.frames_missed()
    window.live.start(parse_url(url))
    benchlib.wait_for(lambda: window.live.following)

    heartbeat.restart()
    started = now_ms()
    run_writer(url, changes, LAST_NAME)
    written = now_ms()
    benchlib.wait_for(lambda: getattr(window.users.record(0), "name", "") == LAST_NAME, 60)
    shown = now_ms()
    stall = heartbeat.stall()
    missed = heartbeat.frames_missed()
    result = {
        "backend": parse_url(url).dialect,
        "changes": changes,
        "hearing_notifications": window.live.hearing,
        "writer_s": round((written - started) / 1000, 2),
        "shown_after_last_write_ms": round(shown - written, 1),
        "max_stall_ms": round(stall, 1),
        "max_stall_not_following_ms": round(unfollowed_stall, 1),
        "stalls_over_16ms": missed,
        "stalls_over_16ms_not_following": unfollowed_missed,
        "idle_max_stall_ms": round(idle_stall, 1),
        "post_form_kept_unsaved_text": window.forms[Kind.POST].is_dirty(),
    }
    window.forms[Kind.POST].revert()  # or closing would ask about it
    window.live.stop()
    window.close()
    worker.stop()
    del app
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--write", help=argparse.SUPPRESS)  # the burst's own process
    parser.add_argument("--last", default=LAST_NAME, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        burst(args.write, args.changes, args.last)
        return 0
    url = args.database or str(Path(tempfile.mkdtemp(prefix="postdesk-burst-")) / "b.sqlite3")
    prepare(url, args.users)
    benchlib.print_json_line("live_burst", measure(url, args.changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
