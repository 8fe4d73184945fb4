"""What the File menu's Export List… and Import… need of the window: the lists it shows
now (with their filters and selection), where files were last chosen, and what to say and
reload afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop.store.urls import DatabaseUrl
from desktop.ui import prompts
from desktop.ui.editing.kinds import Kind, plural

# The dialogs and the file code load when first asked for, not with the window.
if TYPE_CHECKING:
    from desktop.store.importing import ImportKind
    from desktop.ui.dialogs.export_dialog import ExportDialog, ListChoice
    from desktop.ui.dialogs.import_dialog import ImportDialog
    from desktop.ui.main_window import MainWindow


class ListFiles:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.folder = Path.home()

    def _url(self, title: str) -> DatabaseUrl | None:
        if self.window.url is None:
            prompts.show_error(self.window, title, "Open a database first.")
        return self.window.url

    def choices(self) -> tuple[list[ListChoice], int]:
        """The lists the window shows, and the one of the pane in focus."""
        from desktop.store.exporting import ListSpec
        from desktop.ui.dialogs.export_dialog import ListChoice

        editing = self.window.editing
        text = editing.filter_text(Kind.USER)
        matching = f" matching “{text}”" if text else ""
        offered = {Kind.USER: ListChoice(ListSpec("users", text), f"Users{matching}", "users")}
        user, post = editing.current_user, editing.current_post
        if user is not None:
            text = editing.filter_text(Kind.POST)
            titled = f" with “{text}” in the title" if text else ""
            spec = ListSpec("posts", text, user_id=user.id)
            offered[Kind.POST] = ListChoice(spec, f"Posts by {user.name}{titled}", "posts")
        if post is not None:
            spec = ListSpec("comments", post_id=post.id)
            offered[Kind.COMMENT] = ListChoice(spec, f"Comments on “{post.title}”", "comments")
        kinds = list(offered)
        active = self.window.active_kind()
        return list(offered.values()), kinds.index(active) if active in offered else 0

    def export(self) -> None:
        from desktop.ui.dialogs.export_dialog import ExportDialog

        url = self._url("Export List")
        if url is None:
            return
        choices, selected = self.choices()
        dialog = ExportDialog(url, choices, self.folder, self.window, selected)
        dialog.setObjectName("exportDialog")
        dialog.accepted.connect(lambda: self._exported(dialog))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()

    def _exported(self, dialog: ExportDialog) -> None:
        report = dialog.report
        if report is not None:
            self.folder = report.path.parent
            self.window.say(f"Exported {plural(report.rows, 'row')} to {report.path}.")

    def import_rows(self, kind: ImportKind) -> None:
        from desktop.ui.dialogs.import_dialog import ImportDialog

        url = self._url("Import")
        if url is None:
            return
        dialog = ImportDialog(url, self.folder, self.window, kind)
        dialog.setObjectName("importDialog")
        dialog.accepted.connect(lambda: self._imported(dialog))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()

    def _imported(self, dialog: ImportDialog) -> None:
        report = dialog.report
        if report is None:
            return
        if dialog.plan is not None:
            self.folder = dialog.plan.path.parent
        word = "user" if report.kind == "users" else "post"
        self.window.say(f"Imported {plural(report.rows, word)}.")
        self.window.editing.refresh()
