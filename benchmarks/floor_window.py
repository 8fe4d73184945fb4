"""The start-up floor: the least a PySide6 window with a table over SQLite can cost.

    python benchmarks/floor_window.py DATABASE --screenshot PATH

Opens the SQLite file with the standard library, reads the first 100 users, shows them in a
QTableView inside a QMainWindow of the app's size (1200 x 760), saves a PNG once the window
is shown and exits: the same steps a `postdesk --screenshot` run takes, without the app.
`benchmarks/startup.py` times it beside the app.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("--screenshot", required=True)
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    connection = sqlite3.connect(args.database)
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
    window.show()

    def shoot() -> None:
        window.grab().save(args.screenshot)
        app.quit()

    QTimer.singleShot(0, shoot)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
