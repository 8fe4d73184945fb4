"""What every record form shares: labelled fields with their error lines, dirty tracking,
and Save/Delete buttons that are enabled only when they make sense."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store.errors import ValidationError
from desktop.ui.focus_frame import show_focus_frame
from desktop.ui.forms.changed_bar import ChangedBar
from desktop.ui.scroll_bars import keep_grooves

Editor = QLineEdit | QPlainTextEdit
ERROR_STYLE = "color: palette(highlighted-text); background: #b3261e; padding: 2px 4px;"


class RecordForm(QWidget):
    """Edits one record. Holds no database code: it asks, and the window answers."""

    modified_changed = Signal(bool)
    save_requested = Signal()
    delete_requested = Signal()
    kind = "record"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: Any = None
        self.is_new = False
        self._loaded: dict[str, str] = {}
        self._editors: dict[str, Editor] = {}
        self._labels: dict[str, str] = {}
        self._errors: dict[str, QLabel] = {}
        self._hints: dict[str, str] = {}
        self._saving = False
        self._read_only = False
        self._keep_text = False
        self._was_dirty = False
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        # Someone else changed or deleted the record while it holds unsaved edits.
        self.changed_bar = ChangedBar(self.kind)
        self.layout_.addWidget(self.changed_bar)
        self.fields = QFormLayout()
        self.fields.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.layout_.addLayout(self.fields)
        self.save_button = QPushButton("Save")
        self.delete_button = QPushButton("Delete")
        self.save_button.clicked.connect(self.save_requested)
        self.delete_button.clicked.connect(self.delete_requested)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.delete_button)
        self.buttons.addWidget(self.save_button)

    # -- building ------------------------------------------------------------------------------
    def add_field(self, key: str, label: str, editor: Editor, hint: str = "") -> None:
        """A field with a mnemonic label (its buddy is the editor) and an error line below.

        `hint` is shown in the empty field and is what a screen reader says after the value,
        as its description. Qt would otherwise describe a line edit by its placeholder, so an
        example there is spoken as if it were data: a hint says what to write, never whose.
        """
        caption = QLabel(label)
        caption.setBuddy(editor)
        plain = label.replace("&", "").rstrip(":")  # "Title", as a screen reader should say it
        same = plain.lower() == self.kind  # the comment form's "Comment", not "Comment comment"
        editor.setAccessibleName(plain if same else f"{self.kind.capitalize()} {plain.lower()}")
        error = QLabel()
        error.setWordWrap(True)
        error.setStyleSheet(ERROR_STYLE)
        error.setAccessibleName(f"{plain} error")
        error.hide()
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(editor)
        column.addWidget(error)
        self.fields.addRow(caption, column)
        self._editors[key] = editor
        self._labels[key] = plain
        self._errors[key] = error
        self._hints[key] = hint
        editor.setPlaceholderText(hint)
        editor.setAccessibleDescription(hint)
        if isinstance(editor, QLineEdit):
            editor.textChanged.connect(lambda _text: self._edited(key))
        else:
            editor.setTabChangesFocus(True)  # Tab moves on; the keyboard never gets stuck
            show_focus_frame(editor, "QPlainTextEdit")
            keep_grooves(editor.verticalScrollBar())
            editor.textChanged.connect(lambda: self._edited(key))

    def finish_layout(self) -> None:
        # Named for assistive technology as they read, once the subclass has set the text.
        for button in (self.save_button, self.delete_button):
            button.setAccessibleName(button.text().replace("&", ""))
        self.layout_.addLayout(self.buttons)
        self._update_state()

    # -- state -----------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {key: _text_of(editor) for key, editor in self._editors.items()}

    @property
    def active(self) -> bool:
        return self.record is not None or self.is_new

    def is_dirty(self) -> bool:
        return self.active and self.values() != self._loaded

    def describe(self) -> str:
        """How a prompt names what is being edited."""
        return f"the new {self.kind}" if self.is_new else f"this {self.kind}"

    def load(self, record: Any, values: dict[str, str]) -> None:
        """Show a stored record (or None: nothing to edit)."""
        self.changed_bar.dismiss()
        self.record = record
        self.is_new = False
        if self._keep_text and record is not None:
            self._loaded = dict(values)
            self._changed()
            return
        self._fill(values)

    @contextmanager
    def keeping_text(self) -> Iterator[None]:
        """A record loaded inside leaves the fields as they are: text typed while its save
        was on its way stays, and counts as unsaved against the stored record."""
        self._keep_text = True
        try:
            yield
        finally:
            self._keep_text = False

    @property
    def saving(self) -> bool:
        return self._saving

    def start_new(self, values: dict[str, str], *, focus: bool = True) -> None:
        self.changed_bar.dismiss()
        self.record = None
        self.is_new = True
        self._fill(values)
        if focus:
            self.focus_first()

    def clear(self) -> None:
        self.load(None, {key: "" for key in self._editors})

    def values_of(self, record: Any) -> dict[str, str]:
        """The field values a stored record shows as."""
        raise NotImplementedError

    def check(self, values: dict[str, str]) -> None:
        """Raise the store's ValidationError for what it would refuse to save."""

    def rebase(self, record: Any) -> None:
        """Edit on top of `record` (as stored now), keeping the text in the fields."""
        self.changed_bar.dismiss()
        self.record = record
        self.is_new = False
        self._loaded = self.values_of(record)
        self._changed()

    def detach(self) -> None:
        """The record is gone: what the fields hold becomes a new record."""
        self.changed_bar.dismiss()
        self.record = None
        self.is_new = True
        self._loaded = {key: "" for key in self._editors}
        self._changed()

    def revert(self) -> None:
        """Throw away unsaved edits."""
        if self.is_new:
            self.clear()
        else:
            self._fill(dict(self._loaded))

    def set_saving(self, saving: bool) -> None:
        self._saving = saving
        self._update_state()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put each message next to its field; messages for no field go under the first."""
        self.clear_errors()
        first: Editor | None = None
        for key, message in errors.items():
            target = key if key in self._errors else next(iter(self._errors))
            label = self._errors[target]
            label.setText(f"{label.text()} {message}".strip())
            label.show()
            self._editors[target].setAccessibleDescription(message)
            first = first or self._editors[target]
        if first is not None:
            first.setFocus()

    def clear_errors(self) -> None:
        for key in self._errors:
            self._clear_error(key)

    def _clear_error(self, key: str) -> None:
        label = self._errors[key]
        label.clear()
        label.hide()
        self._editors[key].setAccessibleDescription(self._hints[key])

    def error_text(self, key: str) -> str:
        label = self._errors[key]
        return label.text() if label.isVisibleTo(self) else ""

    def focus_first(self) -> None:
        next(iter(self._editors.values())).setFocus()

    def focus_chain(self) -> list[QWidget]:
        """The form's widgets in the order Tab visits them."""
        return [*self._editors.values(), self.delete_button, self.save_button]

    def editor(self, key: str) -> Editor:
        return self._editors[key]

    # -- internals ------------------------------------------------------------------------------
    def _fill(self, values: dict[str, str]) -> None:
        self._loaded = dict(values)
        for key, editor in self._editors.items():
            editor.blockSignals(True)
            if isinstance(editor, QLineEdit):
                editor.setText(values.get(key, ""))
                editor.setCursorPosition(0)
            else:
                editor.setPlainText(values.get(key, ""))
            editor.blockSignals(False)
        self.clear_errors()
        self._changed()

    def _edited(self, key: str) -> None:
        self._recheck(key)
        self._changed()

    def _recheck(self, key: str) -> None:
        """A message under the field being typed in follows the text: it changes or goes as
        soon as the text does, judged by the rules the store applies when saving. (A message
        from the database itself, such as an email already taken, goes too: only saving can
        tell whether the new text fixes it.)"""
        label = self._errors[key]
        if label.isHidden():
            return
        try:
            self.check(self.values())
        except ValidationError as refused:
            message = refused.errors.get(key)
        else:
            message = None
        if message is None:
            self._clear_error(key)
        elif message != label.text():
            label.setText(message)
            self._editors[key].setAccessibleDescription(message)

    def _changed(self) -> None:
        self._update_state()
        dirty = self.is_dirty()
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.modified_changed.emit(dirty)

    def _update_state(self) -> None:
        active = self.active
        for editor in self._editors.values():
            editor.setEnabled(active)
        self.set_control_enabled(self.save_button, active and not self._saving and self.is_dirty())
        self.set_control_enabled(self.delete_button, self.record is not None and not self._saving)

    def set_read_only(self, read_only: bool) -> None:
        """Show records without letting them be changed (a database that may only be read):
        the fields stay readable and selectable, every button of the form is disabled."""
        self._read_only = read_only
        for key, editor in self._editors.items():
            editor.setReadOnly(read_only)
            editor.setPlaceholderText("" if read_only else self._hints[key])  # no "Write …"
        self._update_state()

    def set_control_enabled(self, control: QWidget, enabled: bool) -> None:
        """Enable or disable a button. A focused one being disabled (Save, once clicked) hands
        the focus to the form's first field: Qt would pass it on to the next pane instead."""
        if self._read_only and isinstance(control, QAbstractButton):
            enabled = False
        first = next(iter(self._editors.values()), None)
        if not enabled and control.hasFocus() and first is not None and first.isEnabled():
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        control.setEnabled(enabled)


def _text_of(editor: Editor) -> str:
    return editor.text() if isinstance(editor, QLineEdit) else editor.toPlainText()
