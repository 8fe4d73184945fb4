"""File ▸ Copy This Database To…: choose a new local file or a server database, copy on a
background thread with a progress dialog (rows, rows per second, time left, Cancel), then
offer to open the copy. The copying itself is desktop.store.copying."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from desktop.store.copying import (
    BATCH_ROWS,
    CopyCancelledError,
    CopyReport,
    TableProgress,
    copy_database,
)
from desktop.store.errors import StoreError
from desktop.store.progress import time_left
from desktop.store.urls import DatabaseUrl
from desktop.ui import prompts
from desktop.ui.background import Task

TITLE = "Copy This Database"
_STEPS = 1000  # the progress bar's resolution


class CopyDialog(QDialog):
    """Runs one copy and shows how it goes; `copied` or `stopped` says how it ended."""

    progressed = Signal(object)  # TableProgress, emitted on the copying thread
    copied = Signal(object)  # CopyReport
    stopped = Signal(object)  # StoreError (CopyCancelledError when cancelled)

    def __init__(
        self,
        parent: QWidget | None,
        source: DatabaseUrl,
        destination: DatabaseUrl,
        *,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setObjectName("copyDialog")
        self.source = source
        self.destination = destination
        self.batch_rows = batch_rows
        self._cancel = threading.Event()
        self.finished_copy = False
        layout = QVBoxLayout(self)
        where = QLabel(f"From {source.display()}\nto {destination.display()}")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.table_label = QLabel("Opening both databases…")
        self.rows_label = QLabel("")
        self.rate_label = QLabel("")
        self.left_label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setRange(0, _STEPS)
        self.bar.setAccessibleName("Copy progress")
        for widget in (
            self.table_label,
            self.bar,
            self.rows_label,
            self.rate_label,
            self.left_label,
        ):
            layout.addWidget(widget)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.cancel)
        layout.addWidget(self.buttons)
        self.progressed.connect(self._show)
        self.task = Task(self._work)
        self.task.done.connect(self._succeeded)
        self.task.failed.connect(self._failed)

    def start(self) -> None:
        self.task.start()
        self.open()

    def _work(self) -> CopyReport:  # on the task's thread: no widgets here
        return copy_database(
            self.source,
            self.destination,
            progress=self.progressed.emit,
            cancel=self._cancel,
            batch_rows=self.batch_rows,
        )

    def _show(self, step: TableProgress) -> None:
        if step.all_total:
            self.bar.setValue(round(_STEPS * step.all_rows / step.all_total))
        if step.all_total and step.all_rows >= step.all_total:
            self.table_label.setText("Checking the copy against the original…")
        else:
            self.table_label.setText(f"Copying {step.table}…")
        self.rows_label.setText(
            f"{step.table}: {step.rows:,} of {step.total:,} rows "
            f"({step.all_rows:,} of {step.all_total:,} in all)"
        )
        self.rate_label.setText(f"{step.rows_per_second:,.0f} rows per second")
        left = step.seconds_left
        self.left_label.setText("" if left is None else time_left(left).capitalize())

    def cancel(self) -> None:
        """Stop the copy; the dialog closes once the destination has been rolled back."""
        if self.task.running and not self._cancel.is_set():
            self._cancel.set()
            self.table_label.setText("Cancelling: undoing what was copied…")
            self.buttons.setEnabled(False)

    def reject(self) -> None:
        # Escape or the window's close button: the same as Cancel; the dialog waits for
        # the rollback rather than leaving a copy running behind it.
        if self.task.running:
            self.cancel()
            return
        super().reject()

    def _succeeded(self, report: CopyReport) -> None:
        self.finished_copy = True
        super().accept()
        self.copied.emit(report)

    def _failed(self, error: StoreError) -> None:
        self.finished_copy = True
        super().reject()
        self.stopped.emit(error)


def choose_destination(parent: QWidget | None) -> str | None:
    """ "file", "server" or None: where the copy goes."""
    return choose_kind(
        parent,
        TITLE,
        "Where should the copy go?",
        "Into a new local file, or into an empty database on a server. The database open "
        "now is only read.",
        "New Local File…",
    )


def choose_kind(
    parent: QWidget | None, title: str, question: str, detail: str, file_label: str
) -> str | None:
    """ "file", "server" or None: a local file or a server's database, or neither."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(question)
    box.setInformativeText(detail)
    file_button = box.addButton(file_label, QMessageBox.ButtonRole.AcceptRole)
    server_button = box.addButton("Server Database…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    if clicked is file_button:
        return "file"
    if clicked is server_button:
        return "server"
    return None


def ask_open_copy(parent: QWidget | None, report: CopyReport, destination: DatabaseUrl) -> bool:
    answer = QMessageBox.question(
        parent,
        TITLE,
        f"The copy in {destination.display()} is complete and checked: {report.counts['users']:,} "
        f"users, {report.counts['posts']:,} posts and {report.counts['comments']:,} comments "
        f"in {report.seconds:.1f} s.\n\nOpen the copy now?",
    )
    return answer == QMessageBox.StandardButton.Yes


def new_file_destination(parent: QWidget | None, folder: str) -> DatabaseUrl | None:
    """A new local file to copy into; an existing file is never overwritten."""
    path = prompts.choose_new_database_file(parent, folder)
    if path is None:
        return None
    if path.suffix == "":
        path = path.with_suffix(".sqlite3")
    if path.exists():
        prompts.show_error(
            parent,
            TITLE,
            f"{path} already exists; a copy goes into a new file. Choose another name.",
        )
        return None
    return DatabaseUrl("sqlite", str(Path(path)))


def run_copy(
    parent: QWidget,
    source: DatabaseUrl,
    destination: DatabaseUrl,
    open_copy: Callable[[DatabaseUrl], None],
) -> CopyDialog:
    """Start the copy with its dialog; on success offer to open the copy."""
    dialog = CopyDialog(parent, source, destination)

    def copied(report: CopyReport) -> None:
        if ask_open_copy(parent, report, destination):
            open_copy(destination)

    def stopped(error: StoreError) -> None:
        if not isinstance(error, CopyCancelledError):
            prompts.show_error(parent, TITLE, f"The copy did not complete. {error}")

    dialog.copied.connect(copied)
    dialog.stopped.connect(stopped)
    dialog.finished.connect(lambda _result: dialog.deleteLater())
    dialog.start()
    return dialog


def copy_to(
    parent: QWidget, source: DatabaseUrl, folder: str, open_copy: Callable[[DatabaseUrl], None]
) -> None:
    """The whole menu command: where to, then the copy."""
    kind = choose_destination(parent)
    if kind == "file":
        destination = new_file_destination(parent, folder)
        if destination is not None:
            run_copy(parent, source, destination, open_copy)
    elif kind == "server":
        from desktop.ui.dialogs.connect_dialog import ConnectDialog

        dialog = ConnectDialog(parent, None)
        dialog.setWindowTitle(f"{TITLE}: Server Database")
        dialog.accepted.connect(lambda: run_copy(parent, source, dialog.url(), open_copy))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()
