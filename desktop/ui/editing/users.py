"""Users: the left pane and its form; choosing one lists their posts."""

from __future__ import annotations

from desktop.store.records import DeleteReport, User
from desktop.store.repository import Repository
from desktop.ui.editing.handler import Operation, RecordHandler, unless_deleted
from desktop.ui.editing.kinds import Kind, plural
from desktop.ui.forms.user_form import UserForm
from desktop.ui.models import Query


class UserHandler(RecordHandler[User]):
    kind = Kind.USER
    form: UserForm

    def shown(self) -> User | None:
        return self.editing.current_user

    def show(self, record: User | None) -> None:
        editing = self.editing
        editing.current_user = record
        self.form.show_user(record)
        editing.panes[Kind.POST].set_title(f"Posts by {record.name}" if record else "Posts")
        query = Query(record.id, editing.filter_text(Kind.POST)) if record else None
        editing.posts.set_query(query)
        editing.handler(Kind.POST).show(None)

    def adopt(self, record: User) -> None:
        shown = self.editing.current_user
        if shown is None or shown.id != record.id:
            self.show(record)  # a new user: their (empty) posts list comes with them
            return
        self.editing.current_user = record
        self.form.show_user(record)
        self.editing.panes[Kind.POST].set_title(f"Posts by {record.name}")

    def start_new(self) -> None:
        self.show(None)
        self.form.start_new({"name": "", "email": ""})

    def fetch(self, repo: Repository, record_id: int) -> User | None:
        return unless_deleted(repo.get_user, record_id)

    def save_operation(self, once: bool) -> Operation[User] | None:
        values, record = self.form.values(), self.form.record
        name, email = values["name"], values["email"]
        if record is None:
            return lambda repo: repo.create_user(name, email, unless_exists=once)
        return lambda repo: repo.update_user(record.id, name, email, expected=record)

    def position(self, repo: Repository, record: User, query: Query) -> int | None:
        return self.model.position_of(repo, query, record.id)  # in the list's order

    def delete_report(self, repo: Repository, record: User) -> DeleteReport:
        return repo.user_delete_report(record.id)

    def delete(self, repo: Repository, record: User, expected: DeleteReport) -> DeleteReport:
        return repo.delete_user(record.id, cascade=True, expected=expected)

    def question(self, record: User, report: DeleteReport) -> str:
        if report.posts == 0:
            return f"Delete {record.name}?"
        comments = f" and their {plural(report.comments, 'comment')}" if report.comments else ""
        return f"Delete {record.name}, with {plural(report.posts, 'post')}{comments}?"
