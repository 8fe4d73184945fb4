"""The form for one user: name and email."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from desktop.store.records import User
from desktop.store.validation import clean_user
from desktop.ui.forms.base import RecordForm


class UserForm(RecordForm):
    kind = "user"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Hints, not examples: a person's name here would be read out beside another's.
        self.add_field("name", "&Name:", QLineEdit(), "First and last name")
        self.add_field("email", "E&mail:", QLineEdit(), "An address like name@example.com")
        self.save_button.setText("Save User")
        self.delete_button.setText("Delete User")
        self.finish_layout()
        self.clear()

    def show_user(self, user: User | None) -> None:
        if user is None:
            self.clear()
        else:
            self.load(user, self.values_of(user))

    def values_of(self, record: User) -> dict[str, str]:
        return {"name": record.name, "email": record.email}

    def check(self, values: dict[str, str]) -> None:
        clean_user(values["name"], values["email"])

    def describe(self) -> str:
        return "the new user" if self.is_new else f"the user “{self._loaded.get('name', '')}”"
