"""Posts: the middle pane and the post form; choosing one lists its comments."""

from __future__ import annotations

from desktop.store.records import DeleteReport, Post
from desktop.store.repository import Repository
from desktop.ui.editing.handler import Operation, RecordHandler, unless_deleted
from desktop.ui.editing.kinds import Kind, plural
from desktop.ui.forms.post_form import PostForm
from desktop.ui.models import Query


class PostHandler(RecordHandler[Post]):
    kind = Kind.POST
    form: PostForm

    def shown(self) -> Post | None:
        return self.editing.current_post

    def show(self, record: Post | None) -> None:
        editing = self.editing
        editing.current_post = record
        self.form.show_post(record, editing.current_user if record else None)
        editing.comments.set_query(Query(record.id) if record else None)
        editing.handler(Kind.COMMENT).show(None)

    def adopt(self, record: Post) -> None:
        shown = self.editing.current_post
        if shown is None or shown.id != record.id:
            self.show(record)
            return
        self.editing.current_post = record
        self.form.show_post(record, self.editing.current_user)

    def follow(self, stored: Post) -> bool:
        author = self.editing.current_user
        if author is None or stored.user_id != author.id:
            return False  # given to another author: it left this user's list
        return super().follow(stored)

    def cannot_start_new(self) -> str | None:
        if self.editing.current_user is None:
            return "Select the user who writes the post first."
        return None

    def start_new(self) -> None:
        author = self.editing.current_user
        assert author is not None
        self.show(None)
        self.form.start_new_post(author)

    def fetch(self, repo: Repository, record_id: int) -> Post | None:
        return unless_deleted(repo.get_post, record_id)

    def save_operation(self, once: bool) -> Operation[Post] | None:
        values, record = self.form.values(), self.form.record
        title, content, author = values["title"], values["content"], self.form.author_id
        if author is None:
            return None
        if record is None:
            return lambda repo: repo.create_post(author, title, content, unless_exists=once)
        return lambda repo: repo.update_post(
            record.id, title, content, user_id=author, expected=record
        )

    def position(self, repo: Repository, record: Post, query: Query) -> int | None:
        if query.parent_id is None:
            return None
        return self.model.position_of(repo, query, record.id)  # in the list's order

    def delete_report(self, repo: Repository, record: Post) -> DeleteReport:
        return repo.post_delete_report(record.id)

    def delete(self, repo: Repository, record: Post, expected: DeleteReport) -> DeleteReport:
        return repo.delete_post(record.id, cascade=True, expected=expected)

    def question(self, record: Post, report: DeleteReport) -> str:
        if report.comments == 0:
            return f"Delete the post “{record.title}”?"
        return f"Delete the post “{record.title}” and its {plural(report.comments, 'comment')}?"

    def after_delete(self) -> None:
        if self.editing.current_user is not None:
            self.editing.refresh_user(self.editing.current_user.id)
