"""The form for one post: title, author, date and content."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from desktop.store.records import Post, User
from desktop.store.validation import clean_post
from desktop.ui.forms.base import RecordForm
from desktop.ui.models import local_time


class PostForm(RecordForm):
    kind = "post"
    choose_author_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.author_id: int | None = None
        self._loaded_author: int | None = None
        self._loaded_author_name = ""
        self.add_field("title", "&Title:", QLineEdit(), "A title for the post")

        self.author_name = _read_only_field("Post author", "Change it with Change Author")
        self.author_button = QPushButton("Change &Author…")
        self.author_button.setAccessibleName("Change the post's author")
        self.author_button.clicked.connect(self.choose_author_requested)
        author_row = QHBoxLayout()
        author_row.addWidget(self.author_name, 1)
        author_row.addWidget(self.author_button)
        author_caption = QLabel("Author:")
        author_caption.setBuddy(self.author_name)
        self.fields.addRow(author_caption, author_row)

        self.created = _read_only_field("Post created", "When the post was first saved")
        created_caption = QLabel("Created:")
        created_caption.setBuddy(self.created)
        self.fields.addRow(created_caption, self.created)

        self.add_field("content", "C&ontent:", QPlainTextEdit(), "What is the post about?")
        self.save_button.setText("Save Post")
        self.delete_button.setText("Delete Post")
        self.finish_layout()
        self.clear()

    def show_post(self, post: Post | None, author: User | None) -> None:
        if post is None:
            self.set_author(None)
            self._loaded_author = None
            self.created.clear()
            self.clear()
            return
        self._loaded_author = post.user_id
        self.set_author(author, post.user_id)
        self._loaded_author_name = self.author_name.text()
        self.created.setText(local_time(post.created_at))
        self.load(post, self.values_of(post))

    def values_of(self, record: Post) -> dict[str, str]:
        return {"title": record.title, "content": record.content}

    def rebase(self, record: Post) -> None:
        self._loaded_author = record.user_id
        super().rebase(record)

    def start_new_post(self, author: User) -> None:
        self._loaded_author = author.id
        self.set_author(author)
        self._loaded_author_name = author.name
        self.created.setText("—")
        self.start_new({"title": "", "content": ""})

    def set_author(self, author: User | None, author_id: int | None = None) -> None:
        self.author_id = author.id if author else author_id
        self.author_name.setText(author.name if author else "")
        self._changed()

    def is_dirty(self) -> bool:
        return super().is_dirty() or (self.active and self.author_id != self._loaded_author)

    def revert(self) -> None:
        self.author_id = self._loaded_author
        self.author_name.setText(self._loaded_author_name)
        super().revert()

    def check(self, values: dict[str, str]) -> None:
        clean_post(values["title"], values["content"])

    def focus_chain(self) -> list[QWidget]:
        title, content, *buttons = super().focus_chain()
        return [title, self.author_name, self.author_button, self.created, content, *buttons]

    def describe(self) -> str:
        return "the new post" if self.is_new else f"the post “{self._loaded.get('title', '')}”"

    def _update_state(self) -> None:
        super()._update_state()
        self.set_control_enabled(self.author_button, self.active and not self._saving)
        for shown in (self.author_name, self.created):  # with no post, Tab passes them by
            self.set_control_enabled(shown, self.active)


def _read_only_field(name: str, description: str) -> QLineEdit:
    """A value the form shows but does not edit. A read-only line edit rather than a label:
    Tab reaches it, so a screen reader reads it in turn (as read-only), and its text can be
    selected and copied."""
    field = QLineEdit()
    field.setReadOnly(True)
    # On the window's own colour, so it does not look like a box to type in.
    palette = field.palette()
    palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
    field.setPalette(palette)
    field.setAccessibleName(name)
    field.setAccessibleDescription(description)
    return field
