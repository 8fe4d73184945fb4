"""File ▸ Export List…: write what a list shows (the users with the filter, the selected
user's posts with theirs, the selected post's comments) to a CSV or JSON file.

The rows go page by page on a thread of its own with a progress bar; Cancel stops it and
leaves no file behind (and an older file of that name as it was).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store.backend import Backend
from desktop.store.errors import StoreError
from desktop.store.exporting import (
    ExportCancelled,
    ExportReport,
    Format,
    ListSpec,
    export_list,
)
from desktop.store.repository import Repository
from desktop.store.urls import DatabaseUrl
from desktop.ui.dialogs.file_task import Cancelled, FileTaskDialog, Progress

FORMAT_CHOICES: tuple[tuple[Format, str], ...] = (
    ("csv", "CSV (spreadsheets), UTF-8"),
    ("json", "JSON"),
)


@dataclass(frozen=True)
class ListChoice:
    """A list the window shows, as the dialog offers it."""

    spec: ListSpec
    label: str  # "Users matching “ada”"
    file_stem: str  # "users"


def confirm_overwrite(parent: QWidget, path: Path) -> bool:
    """Replace an existing file? (Tests answer it instead.)"""
    answer = QMessageBox.question(
        parent,
        "Replace File?",
        f"{path.name} already exists in {path.parent}. Replace it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class ExportDialog(FileTaskDialog):
    """Which list, which format, which file; Export runs it with progress and Cancel."""

    def __init__(
        self,
        url: DatabaseUrl,
        choices: list[ListChoice],
        folder: Path,
        parent: QWidget | None = None,
        selected: int = 0,
    ) -> None:
        super().__init__(url, parent)
        self.setWindowTitle("Export List")
        self.choices = choices
        self.folder = folder
        self.report: ExportReport | None = None

        self.list_box = QComboBox()
        for choice in choices:
            self.list_box.addItem(choice.label)
        self.list_box.setCurrentIndex(selected)
        self.format_box = QComboBox()
        for _fmt, label in FORMAT_CHOICES:
            self.format_box.addItem(label)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File to write")
        self.browse = QPushButton("&Browse…")
        self.browse.setAccessibleName("Choose the file to write")
        self.browse.clicked.connect(self._browse)
        self.progress_bar.setAccessibleName("Export progress")
        self.progress_bar.setFormat("%v of %m rows")
        self.status.setAccessibleName("Export status")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "&Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        self._layout()
        self.list_box.currentIndexChanged.connect(lambda _i: self._suggest_path())
        self.format_box.currentIndexChanged.connect(lambda _i: self._suggest_path())
        self._suggest_path()
        self.list_box.setFocus()

    def _layout(self) -> None:
        form = QFormLayout()
        list_label = QLabel("&List:")
        list_label.setBuddy(self.list_box)
        format_label = QLabel("&Format:")
        format_label.setBuddy(self.format_box)
        file_label = QLabel("F&ile:")
        file_label.setBuddy(self.path_edit)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse)
        form.addRow(list_label, self.list_box)
        form.addRow(format_label, self.format_box)
        form.addRow(file_label, file_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(560, 220)

    # -- choices ----------------------------------------------------------------------------
    def format(self) -> Format:
        return FORMAT_CHOICES[self.format_box.currentIndex()][0]

    def choice(self) -> ListChoice:
        return self.choices[self.list_box.currentIndex()]

    def _suggest_path(self) -> None:
        """A file name for the list and format, in the folder last used (not typed over)."""
        current = self.path_edit.text().strip()
        folder = Path(current).parent if current else self.folder
        self.path_edit.setText(str(folder / f"{self.choice().file_stem}.{self.format()}"))

    def _browse(self) -> None:
        fmt = self.format()
        path, _filter = QFileDialog.getSaveFileName(
            self,
            "Export List",
            self.path_edit.text(),
            f"{fmt.upper()} files (*.{fmt});;All files (*)",
        )
        if path:
            self.path_edit.setText(path)

    # -- running ----------------------------------------------------------------------------
    def start(self) -> None:
        text = self.path_edit.text().strip()
        path = Path(text).expanduser()
        if not text or path.is_dir():
            shown = (
                "Say which file to write." if not text else f"{path} is a folder; add a file name."
            )
            self.say(shown, error=True)
            self.path_edit.setFocus()
            return
        if path.exists() and not confirm_overwrite(self, path):
            return
        spec, fmt = self.choice().spec, self.format()

        def work(backend: Backend, progress: Progress, cancelled: Cancelled) -> ExportReport:
            return export_list(Repository(backend), spec, fmt, path, progress, cancelled)

        self.say(f"Exporting {spec.describe()}…")
        self.run_task(work, self._done)

    def set_running(self, running: bool) -> None:
        super().set_running(running)
        for widget in (self.list_box, self.format_box, self.path_edit, self.browse):
            widget.setEnabled(not running)
        self.export_button.setEnabled(not running)

    @Slot(object)
    def _done(self, report: ExportReport) -> None:
        self.report = report
        self.accept()

    def task_failed(self, error: StoreError) -> None:
        self.say(str(error), error=not isinstance(error, ExportCancelled))
