"""File ▸ Merge Into…: add the open database's users, posts and comments to another database
(a local file or a server's) that already holds data. First a preview, read from both
without writing: what would be added, matched and skipped, and each matched user whose
name differs, with a choice per user (this database's name stays unless the person picks
the source's). Then the merge, on a background thread with progress and Cancel; at the end
what was added. The merging itself is desktop.store.merging."""

from __future__ import annotations

import threading
from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.store.copying import BATCH_ROWS, TableProgress
from desktop.store.errors import StoreError
from desktop.store.merging import (
    MergeReport,
    NameChoices,
    NameConflict,
    merge_databases,
)
from desktop.store.urls import DatabaseUrl
from desktop.ui import prompts
from desktop.ui.background import Task
from desktop.ui.dialogs.copy_dialog import choose_kind
from desktop.ui.dialogs.file_task import ERROR_STYLE

TITLE = "Merge Into"
KEEP, TAKE = "Keep the name here", "Take the source's name"
_STEPS = 1000  # the progress bar's resolution


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def describe(report: MergeReport) -> str:
    """The report in plain words, as a preview (would add) or as done (added)."""
    verb = "Would add" if report.dry_run else "Added"
    lines = [
        f"{verb} {_plural(report.users_added, 'user')}, {_plural(report.posts_added, 'post')} "
        f"and {_plural(report.comments_added, 'comment')}.",
        f"{_plural(report.users_matched, 'user')} matched by email.",
    ]
    if report.posts_skipped or report.comments_skipped:
        lines.append(
            f"Skipped as already there: {_plural(report.posts_skipped, 'post')} and "
            f"{_plural(report.comments_skipped, 'comment')}."
        )
    return "\n".join(lines)


class MergeDialog(QDialog):
    """Preview, then merge; `merged` or `stopped` says how the merge ended."""

    progressed = Signal(object)  # TableProgress, emitted on the merging thread
    previewed = Signal(object)  # MergeReport of the dry run
    merged = Signal(object)  # MergeReport
    stopped = Signal(object)  # StoreError (MergeCancelledError when cancelled)

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
        self.setObjectName("mergeDialog")
        self.source = source
        self.destination = destination
        self.batch_rows = batch_rows
        self._cancel = threading.Event()
        self.task: Task | None = None
        self.merging = False  # between Merge and its end
        self.conflicts: list[NameConflict] = []
        self.choices: list[QComboBox] = []
        layout = QVBoxLayout(self)
        where = QLabel(f"Add what {source.display()} holds\nto {destination.display()}")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.status = QLabel("Reading both databases to see what a merge would do…")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first figures arrive
        self.bar.setAccessibleName("Merge progress")
        self.conflicts_label = QLabel("&Names that differ (matched by email):")
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName("Names that differ")
        self.table.setHorizontalHeaderLabels(["Email", "Name here", "Name in the source", "Use"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # Tab goes from one name's choice to the next (arrows still move between cells).
        self.table.setTabKeyNavigation(False)
        self.conflicts_label.setBuddy(self.table)
        self.conflicts_label.hide()
        self.table.hide()
        for widget in (self.status, self.bar, self.conflicts_label, self.table):
            layout.addWidget(widget)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button: QPushButton = self.buttons.addButton(
            "&Merge", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.merge_button.setEnabled(False)
        self.buttons.accepted.connect(self.start_merge)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.progressed.connect(self._show)

    # -- the preview ---------------------------------------------------------------------
    def start(self) -> None:
        """Open the dialog and start the preview."""
        self._run(
            lambda: merge_databases(
                self.source, self.destination, dry_run=True, batch_rows=self.batch_rows
            ),
            self._preview_done,
            self._preview_failed,
        )
        self.open()

    def _preview_done(self, report: MergeReport) -> None:
        self.bar.hide()  # until the merge runs
        self.bar.setRange(0, _STEPS)
        self.bar.setValue(0)
        self.conflicts = report.conflicts
        self._fill_conflicts()
        if report.added == 0 and not report.conflicts:
            self.status.setText(f"{describe(report)}\nNothing to merge.")
            self.merge_button.hide()
            self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        else:
            self.status.setText(describe(report))
            self.merge_button.setEnabled(True)
            self.merge_button.setDefault(True)
        self.previewed.emit(report)

    def _preview_failed(self, error: StoreError) -> None:
        self.bar.hide()
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(f"The merge cannot be done. {error}")
        self.merge_button.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    def _fill_conflicts(self) -> None:
        self.table.setRowCount(len(self.conflicts))
        self.choices = []
        for row, conflict in enumerate(self.conflicts):
            for column, text in enumerate(
                (conflict.email, conflict.destination_name, conflict.source_name)
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
            choice = QComboBox()
            choice.addItems([KEEP, TAKE])  # the name here stays unless chosen otherwise
            choice.setAccessibleName(f"Name to use for {conflict.email}")
            self.table.setCellWidget(row, 3, choice)
            self.choices.append(choice)
        self.conflicts_label.setVisible(bool(self.conflicts))
        self.table.setVisible(bool(self.conflicts))
        chain: list[QWidget] = [self.table, *self.choices, self.merge_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    def chosen_names(self) -> NameChoices:
        return NameChoices.of(
            conflict.email
            for conflict, choice in zip(self.conflicts, self.choices, strict=True)
            if choice.currentText() == TAKE
        )

    # -- the merge -----------------------------------------------------------------------
    def start_merge(self) -> None:
        names = self.chosen_names()
        self.merging = True
        self.merge_button.setEnabled(False)
        self.table.setEnabled(False)
        self.bar.show()
        self.status.setText("Merging…")
        self._run(
            lambda: merge_databases(
                self.source,
                self.destination,
                names=names,
                progress=self.progressed.emit,
                cancel=self._cancel,
                batch_rows=self.batch_rows,
            ),
            self._merge_done,
            self._merge_failed,
        )

    def _show(self, step: TableProgress) -> None:
        if step.all_total:
            self.bar.setValue(round(_STEPS * step.all_rows / step.all_total))
        self.status.setText(
            f"Merging {step.table}: {step.rows:,} of {step.total:,} read "
            f"({step.all_rows:,} of {step.all_total:,} rows in all)"
        )

    def _merge_done(self, report: MergeReport) -> None:
        self.merging = False
        self.bar.setValue(_STEPS)
        self.merge_button.hide()
        taken = f"\nTook the source's name for {_plural(report.names_taken, 'user')}."
        self.status.setText(
            f"The merge is complete. {describe(report)}{taken if report.names_taken else ''}"
        )
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()
        self.merged.emit(report)

    def _merge_failed(self, error: StoreError) -> None:
        self.merging = False
        self.stopped.emit(error)
        if self._cancel.is_set():  # the person asked to stop: done, nothing was written
            super().reject()
            return
        self.bar.hide()
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(f"The merge did not complete; nothing was written. {error}")
        self.merge_button.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    # -- running and stopping ------------------------------------------------------------
    def _run(
        self,
        work: Callable[[], MergeReport],
        done: Callable[[MergeReport], None],
        failed: Callable[[StoreError], None],
    ) -> None:
        self.task = Task(work)
        self.task.done.connect(done)
        self.task.failed.connect(failed)
        self.task.start()

    def reject(self) -> None:
        # Cancel, Escape or the window's close button: a merge is stopped and undone first,
        # and the dialog closes once the rollback is done rather than leaving a merge
        # running behind it. A preview only reads: its late result is simply dropped.
        if self.merging:
            if not self._cancel.is_set():
                self._cancel.set()
                self.status.setText("Cancelling: undoing what was merged…")
                self.buttons.setEnabled(False)
            return
        if self.task is not None and self.task.running:
            self.task.cancel()
        super().reject()


def choose_destination(parent: QWidget | None) -> str | None:
    """ "file", "server" or None: which database to merge into."""
    return choose_kind(
        parent,
        TITLE,
        "Which database should this one be merged into?",
        "Its users, posts and comments are added to a database that may hold data already. "
        "A preview comes first; the database open now is only read.",
        "Local File…",
    )


def run_merge(parent: QWidget, source: DatabaseUrl, destination: DatabaseUrl) -> MergeDialog:
    dialog = MergeDialog(parent, source, destination)
    dialog.finished.connect(lambda _result: dialog.deleteLater())
    dialog.start()
    return dialog


def merge_into(parent: QWidget, source: DatabaseUrl, folder: str) -> None:
    """The whole menu command: into which database, then the preview and the merge."""
    kind = choose_destination(parent)
    if kind == "file":
        path = prompts.choose_existing_database_file(parent, folder)
        if path is not None:
            run_merge(parent, source, DatabaseUrl("sqlite", str(path)))
    elif kind == "server":
        from desktop.ui.dialogs.connect_dialog import ConnectDialog

        dialog = ConnectDialog(parent, None)
        dialog.setWindowTitle(f"{TITLE}: Server Database")
        dialog.accepted.connect(lambda: run_merge(parent, source, dialog.url()))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()
