"""Cold start to the first users painted: the app, and a minimal PySide6 window beside it.

    python benchmarks/app_start.py app DATABASE      # as `python -m desktop --database DATABASE`
    python benchmarks/app_start.py minimal DATABASE  # a bare QTableView of the first 100 users

Each prints `painted <time.time()>` once the users list's first paint with rows has finished,
then quits; benchmarks/scale.py subtracts the moment it launched the process. The app runs
exactly as from the command line (desktop.__main__.main), except that its MainWindow gets an
event filter on the users table's viewport: nothing else is added or imported first.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication


class FirstPaint(QObject):
    """Quits the application once `widget` has painted while `ready()` held."""

    def __init__(self, widget: Any, ready: Any) -> None:
        super().__init__(widget)
        self.widget = widget
        self.ready = ready
        self.done = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        painting = watched is self.widget and event.type() == QEvent.Type.Paint
        if not self.done and painting and self.ready():
            self.done = True
            QTimer.singleShot(0, self.stamp)  # after this paint has run
        return False

    def stamp(self) -> None:
        print(f"painted {time.time():.6f}", flush=True)
        QApplication.exit(0)


def run_app(database: str) -> int:
    import desktop.ui.app as app_module
    from desktop.__main__ import main
    from desktop.ui.editing import Kind
    from desktop.ui.main_window import MainWindow

    real = MainWindow

    def hooked(worker: Any, settings: Any) -> Any:
        window = real(worker, settings)
        table = window.panes[Kind.USER].table
        model = window.users

        def ready() -> bool:
            first, last = table.visible_rows()
            return first >= 0 and all(model.record(r) is not None for r in range(first, last + 1))

        FirstPaint(table.viewport(), ready)
        return window

    setattr(app_module, "MainWindow", hooked)  # noqa: B010 - the one thing changed
    return main(["--database", database])


def run_minimal(database: str) -> int:
    import sqlite3

    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QMainWindow, QTableView

    app = QApplication(sys.argv[:1])
    connection = sqlite3.connect(database)
    rows = connection.execute("SELECT name, email FROM users ORDER BY name, id LIMIT 100")
    model = QStandardItemModel(0, 2)
    model.setHorizontalHeaderLabels(["Name", "Email"])
    for name, email in rows:
        model.appendRow([QStandardItem(name), QStandardItem(email)])
    connection.close()
    window = QMainWindow()
    view = QTableView()
    view.setModel(model)
    window.setCentralWidget(view)
    window.resize(1200, 760)
    FirstPaint(view.viewport(), lambda: model.rowCount() > 0)
    window.show()
    return app.exec()


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    sys.exit(run_app(path) if kind == "app" else run_minimal(path))
