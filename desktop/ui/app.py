"""Start the application: logging, the uncaught-exception dialog, the worker thread, the
main window, and the database to open first."""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import __version__, paths
from desktop.store.connection import load_driver
from desktop.store.errors import StoreError
from desktop.store.urls import DatabaseUrl, scrub
from desktop.ui.collector import QuietCollector
from desktop.ui.editing import Kind
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from desktop.ui.switching import Opened
from desktop.ui.worker import INTERPRETER_TURN_S, Worker

log = logging.getLogger("desktop")
SCREENSHOT_TIMEOUT_MS = 30_000


LOG_LIMIT_BYTES = 1_000_000
LOG_BACKUPS = 3


def setup_logging() -> Path | None:
    """Log to a file in the data folder; a read-only data folder is no reason not to start."""
    path = paths.log_path()
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        rotate_log(path)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # On the handler: a filter of the root logger itself never sees what other loggers pass up.
    handler.addFilter(PasswordScrubber())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path if isinstance(handler, logging.FileHandler) else None


class PasswordScrubber(logging.Filter):
    """Takes every password an address held in this process out of each record, its
    traceback included: libpq and psycopg may quote an address in any message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip())
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def rotate_log(path: Path) -> None:
    """Start a fresh log at launch once it has grown past the limit, keeping a few old ones.
    (Once per launch rather than logging.handlers' rotation while running: that module's
    imports cost a twentieth of a second at every start.)"""
    if not path.exists() or path.stat().st_size < LOG_LIMIT_BYTES:
        return
    for number in range(LOG_BACKUPS - 1, 0, -1):
        older = path.with_name(f"{path.name}.{number}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{number + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))


def install_exception_dialog(log_file: Path | None) -> None:
    """Uncaught exceptions go to the log and to a dialog; the app keeps running."""
    showing = False

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        details = scrub("".join(traceback.format_exception(kind, error, tb)))
        log.critical("uncaught exception\n%s", details)
        if showing or QApplication.instance() is None:
            print(details, file=sys.stderr)
            return
        showing = True
        try:
            box = QMessageBox(QMessageBox.Icon.Critical, "Something Went Wrong", "")
            box.setText("Postdesk hit an unexpected error and kept running.")
            where = f"\n\nThe details are also in {log_file}." if log_file else ""
            box.setInformativeText(
                "Your saved data is safe, and unsaved text is still in its form."
                f"{where} Use “Show Details…” to copy them for a bug report."
            )
            box.setDetailedText(details)
            box.exec()
        finally:
            showing = False

    sys.excepthook = hook


def collect_garbage_off_the_clock(window: MainWindow) -> QuietCollector:
    """Python's full collections only while nobody uses the window (desktop/ui/collector.py);
    one is due after each database opened."""
    QuietCollector.take_over()
    collector = QuietCollector(window.worker, window)
    window.switcher.opened.connect(lambda _opened: collector.due())
    return collector


def take_the_interpreter_in_short_turns() -> None:
    """The window and the database thread run Python under one lock, taken in turns: a
    thread that asks for it waits until the holder gives it up, which Python forces only
    after 5 ms. The database thread turning a page of rows into records held the window
    back so (a click on the heavy user painted its posts about 1 ms later, the median of
    3 x 15 runs); in half-millisecond turns the window waits at most that."""
    sys.setswitchinterval(INTERPRETER_TURN_S)


def prepare_window(window: MainWindow) -> None:
    """What the app does to its window besides showing it (the benchmarks do the same)."""
    collect_garbage_off_the_clock(window)
    take_the_interpreter_in_short_turns()


def app_icon() -> QIcon:
    """The window icon, in every size resources/icons has."""
    icon = QIcon()
    for path in sorted((paths.resources_dir() / "icons").glob("postdesk-*.png")):
        icon.addFile(str(path))
    return icon


def local_database() -> DatabaseUrl:
    return DatabaseUrl("sqlite", str(paths.default_database_path()))


def may_create(url: DatabaseUrl) -> bool:
    """Only the local database is made when missing; another missing file is an error."""
    return url == local_database()


def start_database(url: DatabaseUrl | None, settings: Settings) -> tuple[DatabaseUrl, bool]:
    """The database to open first, and whether it may be created."""
    if url is not None:
        return url, url.dialect == "sqlite"
    last = settings.last_database()
    if last is not None:
        return last, may_create(last)
    return local_database(), True


def open_first_database(window: MainWindow, url: DatabaseUrl | None, settings: Settings) -> None:
    """Open the database asked for (or the last one); if it cannot be opened, or the
    person cancels, open the last good one or the local one instead and say why: a window
    with no database open is one where no action works."""
    target, create = start_database(url, settings)
    fallbacks = [
        candidate
        for candidate in (settings.last_database(), local_database())
        if candidate is not None and candidate != target
    ]
    LaunchFallback(window, target, list(dict.fromkeys(fallbacks))).setParent(window)
    window.open_database(target, create=create)


class LaunchFallback(QObject):
    """Until a first database is open: on failure or cancel, the next candidate."""

    def __init__(
        self, window: MainWindow, target: DatabaseUrl, fallbacks: list[DatabaseUrl]
    ) -> None:
        super().__init__()
        self.window = window
        self.requested = target
        self.fallbacks = fallbacks
        self.reason: str | None = None
        window.switcher.failed.connect(self._failed)
        window.switcher.cancelled.connect(self._cancelled)
        window.switcher.opened.connect(self._opened)

    def _failed(self, url: DatabaseUrl, error: StoreError) -> None:
        self._next(url, f"{url.display()} could not be opened: {error}")

    def _cancelled(self, url: DatabaseUrl) -> None:
        self._next(url, f"Opening {url.display()} was cancelled.")

    def _next(self, url: DatabaseUrl, reason: str) -> None:
        if self.window.url is not None:
            self._stop()
            return
        if self.reason is None:
            self.reason = reason
        if url in self.fallbacks:
            self.fallbacks.remove(url)
        if not self.fallbacks:
            log.error("no database could be opened at launch: %s", reason)
            self._stop()
            return
        fallback = self.fallbacks.pop(0)
        log.warning("%s Opening %s instead.", reason, fallback.display())
        self.window.open_database(fallback, create=may_create(fallback))

    def _opened(self, opened: Opened) -> None:
        if self.reason is not None:
            self.window.statusBar().showMessage(
                f"{self.reason.rstrip('.')}. Opened {opened.url.display()} instead."
            )
        self._stop()

    def _stop(self) -> None:
        switcher = self.window.switcher
        switcher.failed.disconnect(self._failed)
        switcher.cancelled.disconnect(self._cancelled)
        switcher.opened.disconnect(self._opened)
        self.deleteLater()


def run(
    url: DatabaseUrl | None, *, screenshot: str | None = None, select_first: bool = False
) -> int:
    log_file = setup_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(paths.ORGANIZATION)
    app.setApplicationName(paths.APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    install_exception_dialog(log_file)
    log.info("Postdesk %s starting", __version__)
    paths.default_database_path().parent.mkdir(parents=True, exist_ok=True)

    if not screenshot:
        return run_window(url, Settings())
    # A screenshot run must not change what the person's own launches remember, nor leave
    # its scratch settings behind.
    scratch = Path(tempfile.mkdtemp(prefix="postdesk-screenshot-"))
    try:
        settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
        exit_code = run_window(url, settings, screenshot=screenshot, select_first=select_first)
        settings.store.sync()
        return exit_code
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def load_driver_meanwhile(url: DatabaseUrl) -> threading.Thread | None:
    """When the first database is a server: import psycopg on a thread of its own while
    the window is built, to be joined before it is shown. Imported later, once the window
    paints, the import's long holds of the GIL would each stall it. A SQLite start imports
    nothing more."""
    if url.dialect != "postgresql":
        return None
    thread = threading.Thread(
        target=load_driver, args=(url,), name="postdesk-load-driver", daemon=True
    )
    thread.start()
    return thread


def run_window(
    url: DatabaseUrl | None,
    settings: Settings,
    *,
    screenshot: str | None = None,
    select_first: bool = False,
) -> int:
    target, _create = start_database(url, settings)
    loading = load_driver_meanwhile(target)
    worker = Worker()
    window = MainWindow(worker, settings)
    prepare_window(window)
    if loading is not None:
        loading.join()
    window.show()
    if screenshot:
        window.interactive = False
        director = ScreenshotDirector(window, Path(screenshot), select_first)
        director.setParent(window)
        # Unattended: a database that cannot be opened fails the run, nothing else is tried.
        target, create = start_database(url, settings)
        window.open_database(target, create=create)
    else:
        open_first_database(window, url, settings)
    exit_code = QApplication.exec()
    window.live.stop()  # however the loop ended: a closed window has stopped it already
    worker.stop()
    if screenshot:
        exit_code = 0 if Path(screenshot).exists() and exit_code == 0 else 1
    return exit_code


class ScreenshotDirector(QObject):
    """Drives a --screenshot run: open, optionally select the first user and post, wait
    until the worker is idle, save the PNG and quit."""

    def __init__(self, window: MainWindow, path: Path, select_first: bool) -> None:
        super().__init__()
        self.window = window
        self.path = path
        self.select_first = select_first
        window.switcher.opened.connect(lambda _opened: self._when_idle(self._first_user))
        window.switcher.failed.connect(self._failed)
        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, self._timed_out)

    def _when_idle(self, step: Callable[[], None]) -> None:
        worker = self.window.worker
        if not worker.busy:
            QTimer.singleShot(0, step)
            return

        def idle(busy: bool) -> None:
            if not busy:
                worker.busy_changed.disconnect(idle)
                QTimer.singleShot(0, step)

        worker.busy_changed.connect(idle)

    def _first_user(self) -> None:
        if self.select_first and self.window.editing.select_first(Kind.USER):
            self._when_idle(self._first_post)
        else:
            self._shoot()

    def _first_post(self) -> None:
        if self.window.editing.select_first(Kind.POST):
            self._when_idle(self._shoot)
        else:
            self._shoot()

    def _shoot(self) -> None:
        self.window.grab().save(str(self.path))
        QApplication.exit(0)

    def _failed(self, url: DatabaseUrl, error: StoreError) -> None:
        print(f"postdesk: could not open {url.display()}: {error}", file=sys.stderr)
        QApplication.exit(1)

    def _timed_out(self) -> None:
        print("postdesk: the window was not ready within 30 s", file=sys.stderr)
        QApplication.exit(1)
