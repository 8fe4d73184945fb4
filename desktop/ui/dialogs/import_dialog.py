"""File ▸ Import Users… (and Posts): read a CSV file, show its first rows and every problem
with its line, and add the rows only when the person says so: all of them, or none.

Preview reads and checks the file on a thread of its own; Import adds the rows in one
transaction there too. Both show progress and stop on Cancel, which undoes everything.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.store.backend import Backend
from desktop.store.errors import StoreError
from desktop.store.importing import (
    OPTIONAL,
    REQUIRED,
    ImportCancelled,
    ImportChangedError,
    ImportKind,
    ImportPlan,
    ImportReport,
    preview_import,
    run_import,
)
from desktop.store.urls import DatabaseUrl
from desktop.ui.dialogs.file_task import Cancelled, FileTaskDialog, Progress

KINDS: tuple[tuple[ImportKind, str], ...] = (("users", "Users"), ("posts", "Posts"))
PROBLEMS_SHOWN = 1000  # the list stays quick; the rest are counted (the CLI prints all)
CELL_CHARS = 80
PROBLEM_COLOUR = "#b3261e"


def columns_hint(kind: ImportKind) -> str:
    optional = OPTIONAL[kind]
    extra = f", optional {', '.join(optional)}" if optional else ""
    return f"Columns named in the first line: {', '.join(REQUIRED[kind])}{extra}."


class ImportDialog(FileTaskDialog):
    """Kind and file, Preview, then Import once the preview shows no problem."""

    def __init__(
        self,
        url: DatabaseUrl,
        folder: Path,
        parent: QWidget | None = None,
        kind: ImportKind = "users",
    ) -> None:
        super().__init__(url, parent)
        self.setWindowTitle("Import")
        self.folder = folder
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None

        self.kind_box = QComboBox()
        for _kind, label in KINDS:
            self.kind_box.addItem(label)
        self.kind_box.setCurrentIndex([k for k, _ in KINDS].index(kind))
        self.hint = QLabel(columns_hint(kind))
        self.hint.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File to import")
        self.path_edit.setPlaceholderText("A CSV file, UTF-8")
        self.browse = QPushButton("&Browse…")
        self.browse.setAccessibleName("Choose the file to import")
        self.browse.clicked.connect(self._browse)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.setAccessibleName("Preview the file")
        self.preview_button.clicked.connect(self.preview)
        self.say("Choose a file and preview it; nothing is added before Import.")
        self.status.setAccessibleName("Preview summary")
        self.rows_table = QTableWidget()
        self.rows_table.setAccessibleName("First rows of the file")
        self.rows_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows_table.verticalHeader().setDefaultSectionSize(22)
        self.problems = QListWidget()
        self.problems.setAccessibleName("Problems in the file")
        self.problems.setUniformItemSizes(True)
        self.progress_bar.setAccessibleName("Import progress")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)
        self._layout()
        self.kind_box.currentIndexChanged.connect(lambda _i: self._forget_preview())
        self.path_edit.textChanged.connect(lambda _t: self._forget_preview())
        self.path_edit.returnPressed.connect(self.preview)
        self.preview_button.setDefault(True)
        self.path_edit.setFocus()

    def _layout(self) -> None:
        kind_label = QLabel("&Kind:")
        kind_label.setBuddy(self.kind_box)
        file_label = QLabel("F&ile:")
        file_label.setBuddy(self.path_edit)
        rows_label = QLabel("First &rows:")
        rows_label.setBuddy(self.rows_table)
        problems_label = QLabel("Pro&blems:")
        problems_label.setBuddy(self.problems)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse)
        file_row.addWidget(self.preview_button)
        form = QFormLayout()
        form.addRow(kind_label, self.kind_box)
        form.addRow("", self.hint)
        form.addRow(file_label, file_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(rows_label)
        layout.addWidget(self.rows_table, 3)
        layout.addWidget(problems_label)
        layout.addWidget(self.problems, 2)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.buttons)
        for first, second in (
            (self.kind_box, self.path_edit),
            (self.path_edit, self.browse),
            (self.browse, self.preview_button),
            (self.preview_button, self.rows_table),
            (self.rows_table, self.problems),
        ):
            QWidget.setTabOrder(first, second)
        self.resize(760, 560)

    def kind(self) -> ImportKind:
        return KINDS[self.kind_box.currentIndex()][0]

    def _browse(self) -> None:
        current = self.path_edit.text().strip()
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import", current or str(self.folder), "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.path_edit.setText(path)
            self.preview()

    def _forget_preview(self) -> None:
        """A preview speaks of one file as one kind: another choice needs a new one."""
        if self.task is not None:
            return
        self.hint.setText(columns_hint(self.kind()))
        self.plan = None
        self.import_button.setEnabled(False)
        self.preview_button.setDefault(True)

    # -- preview ----------------------------------------------------------------------------
    def preview(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            self.say("Say which file to import.", error=True)
            self.path_edit.setFocus()
            return
        path, kind = Path(text).expanduser(), self.kind()

        def work(backend: Backend, progress: Progress, cancelled: Cancelled) -> ImportPlan:
            return preview_import(backend, path, kind, progress, cancelled)

        self._forget_preview()
        self.say(f"Reading {path.name}…")
        self.run_task(work, self._previewed)

    @Slot(object)
    def _previewed(self, plan: ImportPlan) -> None:
        if self.closing:
            QDialog.reject(self)
            return
        self.plan = plan
        self._show_rows(plan)
        self._show_problems(plan)
        self.say(plan.summary(), error=not plan.ready)
        self.import_button.setEnabled(plan.ready)
        if plan.ready:
            what = "user" if plan.kind == "users" else "post"
            self.import_button.setText(f"&Import {plan.rows:,} {what}{'s' * (plan.rows != 1)}")
            self.import_button.setDefault(True)
            self.import_button.setFocus()
        else:
            self.problems.setFocus()

    def _show_rows(self, plan: ImportPlan) -> None:
        table = self.rows_table
        table.clear()
        width = max([len(plan.header), *map(len, plan.first_rows)], default=0)
        table.setColumnCount(width)
        table.setRowCount(len(plan.first_rows))
        table.setHorizontalHeaderLabels(plan.header + [""] * (width - len(plan.header)))
        # Rows are numbered by their line in the file, as the problems name them.
        table.setVerticalHeaderLabels([str(line) for line in plan.first_lines])
        wrong = {problem.line for problem in plan.problems}
        for row, values in enumerate(plan.first_rows):
            for column, value in enumerate(values):
                flat = " ".join(value.split())
                shown = flat if len(flat) <= CELL_CHARS else flat[: CELL_CHARS - 1] + "…"
                item = QTableWidgetItem(shown)
                item.setToolTip(value if len(value) <= 2000 else value[:2000] + "…")
                if plan.first_lines[row] in wrong:
                    item.setForeground(QColor(PROBLEM_COLOUR))
                table.setItem(row, column, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        table.resizeColumnsToContents()

    def _show_problems(self, plan: ImportPlan) -> None:
        self.problems.clear()
        self.problems.addItems([str(problem) for problem in plan.problems[:PROBLEMS_SHOWN]])
        hidden = len(plan.problems) - PROBLEMS_SHOWN
        if hidden > 0:
            self.problems.addItem(f"… and {hidden:,} more problems after these.")
        if not plan.problems:
            self.problems.addItem("No problems found.")

    # -- import -----------------------------------------------------------------------------
    def start_import(self) -> None:
        plan = self.plan
        if plan is None or not plan.ready or self.task is not None:
            return

        def work(backend: Backend, progress: Progress, cancelled: Cancelled) -> ImportReport:
            return run_import(backend, plan, progress, cancelled)

        self.say(f"Adding {plan.rows:,} {plan.kind}…")
        self.run_task(work, self._imported)

    @Slot(object)
    def _imported(self, report: ImportReport) -> None:
        self.report = report
        self.accept()

    # -- the running task -------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        super().set_running(running)
        for widget in (self.kind_box, self.path_edit, self.browse, self.preview_button):
            widget.setEnabled(not running)
        self.import_button.setEnabled(not running and self.plan is not None and self.plan.ready)

    def task_failed(self, error: StoreError) -> None:
        if isinstance(error, ImportChangedError):
            self.plan = None
            self.import_button.setEnabled(False)
        self.say(str(error), error=not isinstance(error, ImportCancelled))
