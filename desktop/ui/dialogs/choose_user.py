"""Pick a user (a post's author) from the whole list, filtered by the database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from desktop.store.records import User
from desktop.ui.models import Query, RecordRole, UsersModel
from desktop.ui.views import ListPane
from desktop.ui.worker import Worker


class ChooseUserDialog(QDialog):
    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose Author")
        self.model = UsersModel(worker)
        self.pane = ListPane("Users", self.model, filter_placeholder="Find by name or email")
        assert self.pane.filter is not None
        self.pane.filter_changed.connect(lambda text: self.model.set_query(Query(None, text)))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("C&hoose")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.pane.table.doubleClicked.connect(lambda _index: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pane)
        layout.addWidget(buttons)
        self.resize(480, 420)
        self.model.page_loaded.connect(self._offer_first)
        self.model.set_query(Query())
        self.pane.filter.setFocus(Qt.FocusReason.OtherFocusReason)

    def _offer_first(self) -> None:
        """Choose is never a dead button: the first match is picked until the person moves."""
        table = self.pane.table
        if not table.currentIndex().isValid() and self.model.rowCount():
            table.select_row(0)

    def chosen(self) -> User | None:
        index = self.pane.table.currentIndex()
        user = index.data(RecordRole) if index.isValid() else None
        return user if isinstance(user, User) else None
