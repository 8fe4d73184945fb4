"""Two clients editing the same records: nothing is overwritten silently, and a save whose
first attempt may have reached the server is stored once."""

import pytest

from desktop.store.connection import open_database
from desktop.store.errors import NotFoundError, StaleRecordError, ValidationError
from desktop.store.repository import Repository


@pytest.fixture
def other(empty_url, backend):
    """A second client on the same database (its own connection)."""
    with open_database(empty_url) as second:
        yield Repository(second)


@pytest.fixture
def post(repo):
    user = repo.create_user("Ada Lovelace", "ada@example.com")
    return repo.create_post(user.id, "Notes", "First draft")


def test_second_save_of_a_changed_post_is_refused_with_what_is_stored(repo, other, post):
    other.update_post(post.id, "Their title", "Their text", expected=post)
    with pytest.raises(StaleRecordError) as caught:
        repo.update_post(post.id, "My title", "My text", expected=post)
    assert caught.value.current.title == "Their title"
    assert "changed by someone else" in str(caught.value)
    assert repo.get_post(post.id).content == "Their text"


def test_overwriting_on_top_of_the_stored_version_succeeds(repo, other, post):
    theirs = other.update_post(post.id, "Their title", "Their text", expected=post)
    mine = repo.update_post(post.id, "My title", "My text", expected=theirs)
    assert (mine.title, mine.content) == ("My title", "My text")


def test_repeating_a_save_that_already_arrived_is_not_a_conflict(repo, post):
    saved = repo.update_post(post.id, "New title", "New text", expected=post)
    again = repo.update_post(post.id, "New title", "New text", expected=post)
    assert again == saved


def test_saving_a_post_deleted_by_the_other_client_says_so(repo, other, post):
    other.delete_post(post.id)
    with pytest.raises(NotFoundError):
        repo.update_post(post.id, "My title", "My text", expected=post)


def test_a_post_for_a_user_the_other_client_just_deleted_is_refused(repo, other, post):
    other.delete_user(post.user_id, cascade=True)
    with pytest.raises(ValidationError) as caught:
        repo.create_post(post.user_id, "Late", "Too late")
    assert "does not exist" in caught.value.errors["user_id"]
    assert repo.table_counts()["posts"] == 0


def test_changed_user_and_comment_are_refused_too(repo, other, post):
    user = repo.get_user(post.user_id)
    other.update_user(user.id, "Ada King", "ada@example.com", expected=user)
    with pytest.raises(StaleRecordError):
        repo.update_user(user.id, "Ada L.", "ada@example.com", expected=user)
    comment = repo.create_comment(post.id, "Nice")
    other.update_comment(comment.id, "Very nice", expected=comment)
    with pytest.raises(StaleRecordError) as caught:
        repo.update_comment(comment.id, "Nice!", expected=comment)
    assert caught.value.current.body == "Very nice"


def test_create_unless_exists_returns_the_stored_twin(repo, post):
    again = repo.create_post(post.user_id, "Notes", "First draft", unless_exists=True)
    assert again.id == post.id
    comment = repo.create_comment(post.id, "Same words")
    assert repo.create_comment(post.id, "Same words", unless_exists=True).id == comment.id
    user = repo.get_user(post.user_id)
    assert repo.create_user(user.name, user.email, unless_exists=True).id == user.id
    assert repo.table_counts() == {"users": 1, "posts": 1, "comments": 1}


def test_without_unless_exists_identical_records_are_allowed(repo, post):
    repo.create_comment(post.id, "+1")
    repo.create_comment(post.id, "+1")
    assert repo.count_comments(post.id) == 2
    second = repo.create_post(post.user_id, "Notes", "First draft")
    assert second.id != post.id


def test_unless_exists_still_refuses_another_users_email(repo, post):
    with pytest.raises(ValidationError):
        repo.create_user("Someone Else", "ADA@example.com", unless_exists=True)
