"""The real window on the demo data, as a screen reader sees it (tests/ui/test_accessibility.py).

    python -m tests.support.a11y_app FOLDER

Seeds FOLDER/demo.sqlite3, opens the main window on it, chooses Nadia Al-Sayed and her
post, prints "ready", then does what each line of standard input says and prints "done":
    save-post        edit the post's title and save it
    filter TEXT      filter the users by TEXT
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QSocketNotifier
from PySide6.QtWidgets import QApplication, QLineEdit

from desktop.store.connection import open_database
from desktop.store.seeding import load_demo
from desktop.store.urls import DatabaseUrl
from desktop.ui.editing import Kind
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings
from desktop.ui.worker import Worker
from tests.support.screenshots import settle, wait_until

USER = "Nadia Al-Sayed"


def choose_user(window: MainWindow, name: str) -> None:
    table = window.panes[Kind.USER].table
    model = table.model()
    wait_until(lambda: any(model.index(row, 0).data() == name for row in range(model.rowCount())))
    row = next(row for row in range(model.rowCount()) if model.index(row, 0).data() == name)
    table.select_row(row)
    settle(window)


def obey(window: MainWindow, line: str) -> None:
    command, _, argument = line.strip().partition(" ")
    if command == "save-post":
        title = window.forms[Kind.POST].editor("title")
        assert isinstance(title, QLineEdit)
        title.setText(title.text() + " (revised)")
        window.editing.save(Kind.POST)
    elif command == "filter":
        box = window.panes[Kind.USER].filter
        assert box is not None
        box.setText(argument)
        box.returnPressed.emit()
    settle(window)
    print("done", flush=True)


def main(folder: Path) -> int:
    url = DatabaseUrl("sqlite", str(folder / "demo.sqlite3"))
    with open_database(url) as backend:
        load_demo(backend)
    app = QApplication(sys.argv[:1])
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    worker = Worker()
    window = MainWindow(worker, settings)
    window.interactive = False
    window.show()
    window.open_database(url)
    wait_until(lambda: window.url is not None)
    settle(window)
    choose_user(window, USER)
    window.editing.select_first(Kind.POST)
    settle(window)
    commands = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def read_command() -> None:
        line = sys.stdin.readline()
        if not line:  # the test closed the pipe: it is over
            app.quit()
        else:
            obey(window, line)

    commands.activated.connect(read_command)
    print("ready", flush=True)
    app.exec()
    worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
