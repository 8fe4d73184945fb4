"""The form for one comment: its text."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop.store.records import Comment
from desktop.store.validation import clean_comment
from desktop.ui.forms.base import RecordForm


class CommentForm(RecordForm):
    kind = "comment"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        body = QPlainTextEdit()
        body.setMaximumHeight(body.fontMetrics().lineSpacing() * 5 + 12)
        self.add_field("body", "&Comment:", body, "Write a comment…")
        self.save_button.setText("Save Comment")
        self.delete_button.setText("Delete Comment")
        self.finish_layout()
        self.clear()

    def show_comment(self, comment: Comment | None) -> None:
        if comment is None:
            self.clear()
        else:
            self.load(comment, self.values_of(comment))

    def values_of(self, record: Comment) -> dict[str, str]:
        return {"body": record.body}

    def check(self, values: dict[str, str]) -> None:
        clean_comment(values["body"])
