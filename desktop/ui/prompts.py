"""Every question the app asks the person, in one place (tests answer them instead)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QFileDialog, QMessageBox, QWidget

SQLITE_FILTER = "SQLite databases (*.sqlite3 *.sqlite *.db);;All files (*)"


class Choice(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"
    RELOAD = "reload"
    OVERWRITE = "overwrite"
    SAVE_AS_NEW = "save as new"


def ask_save_changes(parent: QWidget | None, what: str) -> Choice:
    """Save / Discard / Cancel for unsaved edits of `what` ("the post “Hello”")."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved Changes")
    box.setText(f"Do you want to save the changes to {what}?")
    box.setInformativeText("Your changes will be lost if you don't save them.")
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return Choice.SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return Choice.DISCARD
    return Choice.CANCEL


def _ask(
    parent: QWidget | None,
    title: str,
    text: str,
    detail: str,
    choices: list[tuple[str, Choice, QMessageBox.ButtonRole]],
) -> Choice:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(detail)
    buttons = [(box.addButton(label, role), choice) for label, choice, role in choices]
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return next((choice for button, choice in buttons if button is clicked), Choice.CANCEL)


def ask_changed_elsewhere(parent: QWidget | None, what: str) -> Choice:
    """RELOAD (theirs), OVERWRITE (with ours) or CANCEL for a record changed by someone else."""
    role = QMessageBox.ButtonRole
    return _ask(
        parent,
        "Changed by Someone Else",
        f"Someone else changed {what} after you opened it.",
        "Reload shows their version and drops your changes; Overwrite replaces their "
        "version with yours. Cancel keeps your text in the form and saves nothing.",
        [
            ("Reload Theirs", Choice.RELOAD, role.DestructiveRole),
            ("Overwrite with Mine", Choice.OVERWRITE, role.AcceptRole),
        ],
    )


def ask_deleted_elsewhere(parent: QWidget | None, what: str) -> Choice:
    """SAVE_AS_NEW, DISCARD or CANCEL for a record someone else deleted."""
    role = QMessageBox.ButtonRole
    return _ask(
        parent,
        "Deleted by Someone Else",
        f"Someone else deleted {what} while you were editing it.",
        "Save as New keeps your text as a new record; Discard lets it go.",
        [
            ("Save as New", Choice.SAVE_AS_NEW, role.AcceptRole),
            ("Discard", Choice.DISCARD, role.DestructiveRole),
        ],
    )


def confirm_delete(parent: QWidget | None, question: str) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Delete")
    box.setText(question)
    box.setInformativeText("This cannot be undone.")
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is delete


def adopt_question(
    parent: QWidget | None, database: str, summary: str
) -> tuple[QMessageBox, QAbstractButton]:
    """The question ask_adopt asks, built but not shown, and its Adopt button."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Adopt This Database?")
    box.setText(f"{database} was built from the specification, without Postdesk's history.")
    box.setInformativeText(
        f"{summary}\n\nIt is done in one step: if anything fails, nothing changes. "
        "Cancel leaves the database untouched."
    )
    adopt = box.addButton("&Adopt", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
    return box, adopt


def ask_adopt(parent: QWidget | None, database: str, summary: str) -> bool:
    """Adopt / Cancel for a database built from the specification; True to adopt."""
    box, adopt = adopt_question(parent, database, summary)
    box.exec()
    return box.clickedButton() is adopt


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)


def choose_new_database_file(parent: QWidget | None, folder: str) -> Path | None:
    path, _filter = QFileDialog.getSaveFileName(
        parent,
        "New Local Database",
        folder,
        SQLITE_FILTER,
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    return Path(path) if path else None


def choose_existing_database_file(parent: QWidget | None, folder: str) -> Path | None:
    path, _filter = QFileDialog.getOpenFileName(
        parent, "Open Local Database", folder, SQLITE_FILTER
    )
    return Path(path) if path else None
