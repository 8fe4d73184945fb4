"""Comments through the Repository: CRUD, validation, missing posts, paging in id order."""

from __future__ import annotations

import pytest

from desktop.store.errors import NotFoundError, ValidationError
from desktop.store.records import Comment, CommentCursor
from tests.support.dbtools import all_pages


@pytest.fixture
def post(repo):
    ann = repo.create_user("Ann", "ann@example.com")
    return repo.create_post(ann.id, "Hello", "text")


def test_create_get_update_and_delete_a_comment(repo, post):
    body = "  Nice post!\n  Really.  "

    comment = repo.create_comment(post.id, body)

    assert comment == Comment(comment.id, post.id, body)  # kept exactly as written
    assert repo.get_comment(comment.id) == comment
    assert repo.get_post(post.id).comment_count == 1
    assert repo.count_comments(post.id) == 1

    updated = repo.update_comment(comment.id, "Edited")
    assert updated == Comment(comment.id, post.id, "Edited", version=2)  # a trigger bumps it
    assert repo.get_comment(comment.id) == updated

    assert repo.delete_comment(comment.id) is None
    with pytest.raises(NotFoundError):
        repo.get_comment(comment.id)
    assert repo.count_comments(post.id) == 0


def test_a_comment_needs_an_existing_post(repo, post):
    with pytest.raises(ValidationError) as refused:
        repo.create_comment(999, "Hello")
    assert refused.value.errors == {"post_id": "The post #999 does not exist any more."}
    assert repo.table_counts()["comments"] == 0


BAD_BODIES = {
    "empty": ("", "The comment cannot be empty."),
    "blank": (" \n\t  ", "The comment cannot be empty."),
    "invisible": ("\ufeff\u200b\n\u2060", "The comment cannot be empty."),
    "NUL": ("a\x00b", "The comment contains a NUL character, which cannot be stored."),
}


@pytest.mark.parametrize("body, message", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_comments_are_refused(repo, post, body, message):
    with pytest.raises(ValidationError) as refused:
        repo.create_comment(post.id, body)
    assert refused.value.errors == {"body": message}
    # Validation comes first, whether or not the post exists.
    with pytest.raises(ValidationError) as refused:
        repo.create_comment(999, body)
    assert refused.value.errors == {"body": message}

    comment = repo.create_comment(post.id, "fine")
    with pytest.raises(ValidationError) as refused:
        repo.update_comment(comment.id, body)
    assert refused.value.errors == {"body": message}
    assert repo.get_comment(comment.id) == comment


@pytest.mark.parametrize(
    "call",
    [
        lambda repo: repo.get_comment(999),
        lambda repo: repo.update_comment(999, "text"),
        lambda repo: repo.delete_comment(999),
    ],
    ids=["get", "update", "delete"],
)
def test_a_missing_comment_is_not_found(repo, call):
    with pytest.raises(NotFoundError) as missing:
        call(repo)
    assert (missing.value.kind, missing.value.record_id) == ("comment", 999)
    assert str(missing.value) == "The comment #999 does not exist; it may have been deleted."


def test_comments_page_in_the_order_they_were_written(repo, post):
    other = repo.create_post(post.user_id, "Other", "text")
    made = []
    for n in range(7):
        made.append(repo.create_comment(post.id, f"c{n}"))
        repo.create_comment(other.id, f"other {n}")  # interleaved ids on another post

    items, sizes = all_pages(lambda **kw: repo.list_comments(post.id, **kw), limit=3)

    assert sizes == [3, 3, 1]
    assert items == made
    first = repo.list_comments(post.id, limit=3)
    assert first.after == CommentCursor(made[2].id)
    assert repo.count_comments(post.id) == 7
    assert repo.count_comments(other.id) == 7


@pytest.mark.parametrize("limit, sizes", [(1, [1, 1, 1]), (3, [3]), (100, [3])])
def test_a_last_full_page_of_comments_ends_the_list(repo, post, limit, sizes):
    made = [repo.create_comment(post.id, f"c{n}") for n in range(3)]
    items, seen = all_pages(lambda **kw: repo.list_comments(post.id, **kw), limit=limit)
    assert seen == sizes
    assert items == made


def test_a_post_without_comments(repo, post):
    page = repo.list_comments(post.id)
    assert (page.items, page.after) == ([], None)
    assert repo.list_comments(999).items == []
