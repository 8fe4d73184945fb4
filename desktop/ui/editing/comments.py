"""Comments: the list under the post and the comment form, ready for a new comment
whenever a post is open."""

from __future__ import annotations

from desktop.store.records import Comment, DeleteReport
from desktop.store.repository import Repository
from desktop.ui.editing.handler import Operation, RecordHandler, unless_deleted
from desktop.ui.editing.kinds import Kind
from desktop.ui.forms.comment_form import CommentForm
from desktop.ui.models import Query


class CommentHandler(RecordHandler[Comment]):
    kind = Kind.COMMENT
    form: CommentForm

    def shown(self) -> Comment | None:
        record: Comment | None = self.form.record
        return record

    def show(self, record: Comment | None) -> None:
        if record is not None:
            self.form.show_comment(record)
        elif self.editing.current_post is None:
            self.form.show_comment(None)
        else:  # with a post open, the form is ready for a new comment
            self.form.start_new({"body": ""}, focus=False)

    def cannot_start_new(self) -> str | None:
        if self.editing.current_post is None:
            return "Select the post to comment on first."
        return None

    def start_new(self) -> None:
        self.form.start_new({"body": ""})

    def fetch(self, repo: Repository, record_id: int) -> Comment | None:
        return unless_deleted(repo.get_comment, record_id)

    def save_operation(self, once: bool) -> Operation[Comment] | None:
        body, record = self.form.values()["body"], self.form.record
        if record is not None:
            return lambda repo: repo.update_comment(record.id, body, expected=record)
        post = self.editing.current_post
        if post is None:
            return None
        return lambda repo: repo.create_comment(post.id, body, unless_exists=once)

    def position(self, repo: Repository, record: Comment, query: Query) -> int | None:
        if query.parent_id is None:
            return None
        return self.model.position_of(repo, query, record.id)  # in the list's order

    def delete(self, repo: Repository, record: Comment, expected: DeleteReport) -> DeleteReport:
        repo.delete_comment(record.id)
        return DeleteReport(0, 0)

    def question(self, record: Comment, report: DeleteReport) -> str:
        return "Delete this comment?"
