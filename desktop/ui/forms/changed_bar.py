"""The bar a form shows when someone else changed or deleted the record while it holds
unsaved edits: the same choice as the stale-save question, offered before saving. The
form's text is never touched until the person chooses."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

BAR_STYLE = (
    "QFrame#changedBar { background: #fff4ce; border: 1px solid #c19c00; border-radius: 3px; }"
    " QFrame#changedBar QLabel { color: #3b2f00; }"
)


class ChangedBar(QFrame):
    """'Changed by someone else — Reload / Keep Mine', or, for a deleted record,
    'Deleted by someone else — Save as New / Discard'. `chosen` carries the choice."""

    RELOAD = "reload"
    KEEP_MINE = "keep"
    SAVE_AS_NEW = "save_as_new"
    DISCARD = "discard"
    chosen = Signal(str)

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName("changedBar")
        self.setStyleSheet(BAR_STYLE)
        self.stored: Any = None  # the record as stored now (None: deleted)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.first = QPushButton()
        self.second = QPushButton()
        self._choices = ("", "")
        self.first.clicked.connect(lambda: self.chosen.emit(self._choices[0]))
        self.second.clicked.connect(lambda: self.chosen.emit(self._choices[1]))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.first)
        layout.addWidget(self.second)
        self.hide()

    def show_changed(self, stored: Any) -> None:
        self.stored = stored
        self._offer(
            f"Changed by someone else — your edits to this {self.kind} are not saved yet.",
            ("Reload", self.RELOAD, "Show what is stored now; your edits are dropped."),
            ("Keep Mine", self.KEEP_MINE, "Keep your text; saving replaces their version."),
        )

    def show_deleted(self) -> None:
        self.stored = None
        self._offer(
            f"Deleted by someone else — your edits to this {self.kind} are still here.",
            ("Save as New", self.SAVE_AS_NEW, f"Store your text as a new {self.kind}."),
            ("Discard", self.DISCARD, "Let the deleted record go, with your edits."),
        )

    def dismiss(self) -> None:
        self.stored = None
        self.hide()

    @property
    def message(self) -> str:
        """What the bar says, or nothing while it is hidden."""
        return "" if self.isHidden() else self.text.text()

    def _offer(self, text: str, *buttons: tuple[str, str, str]) -> None:
        self.text.setText(text)
        self.setAccessibleName(text)
        (first_label, first, first_tip), (second_label, second, second_tip) = buttons
        self._choices = (first, second)
        for button, label, tip in (
            (self.first, first_label, first_tip),
            (self.second, second_label, second_tip),
        ):
            button.setText(label)
            button.setToolTip(tip)
            button.setAccessibleName(label)
            button.setAccessibleDescription(tip)
        self.show()
