"""The number of posts each user has (migration 008's user_post_counts) stays equal to a
count of their posts whoever writes and however many write at once."""

from __future__ import annotations

import random
import threading
from typing import Any

from desktop.store.connection import open_database
from desktop.store.errors import BusyError, TransientConflictError
from desktop.store.repository import Repository
from tests.support.dbtools import run

WRITERS = 4
ROUNDS = 40


def _counts(backend: Any) -> dict[int, tuple[int, int]]:
    """user id -> (the counter, a fresh count of the user's posts)."""
    rows = run(
        backend,
        "SELECT u.id, c.post_count, (SELECT count(*) FROM posts p WHERE p.user_id = u.id)"
        " FROM users u LEFT JOIN user_post_counts c ON c.user_id = u.id",
    )
    return {int(user_id): (counter, int(real)) for user_id, counter, real in rows}


def _all_true(backend: Any) -> None:
    counts = _counts(backend)
    assert {user: pair[1] for user, pair in counts.items()} == {
        user: pair[0] for user, pair in counts.items()
    }
    orphans = run(
        backend, "SELECT count(*) FROM user_post_counts WHERE user_id NOT IN (SELECT id FROM users)"
    )
    assert orphans == [(0,)]


def test_outside_statements_keep_the_counter_true(repo, backend):
    ann = repo.create_user("ann", "ann@example.com")
    bob = repo.create_user("bob", "bob@example.com")
    assert _counts(backend) == {ann.id: (0, 0), bob.id: (0, 0)}
    # Many rows in one statement, as psql or a script would write them.
    run(backend, "INSERT INTO posts (user_id, title, content) SELECT id, 'a', 'x' FROM users")
    run(backend, "INSERT INTO posts (user_id, title, content) SELECT id, 'b', 'x' FROM users")
    run(backend, "UPDATE posts SET user_id = ? WHERE title = 'a'", (bob.id,))
    run(backend, "UPDATE posts SET title = 'c' WHERE title = 'b'")  # no author changes
    _all_true(backend)
    assert _counts(backend)[bob.id] == (3, 3)
    run(backend, "DELETE FROM posts WHERE user_id = ?", (bob.id,))
    _all_true(backend)
    repo.delete_user(ann.id, cascade=True)
    _all_true(backend)
    # Editing a user's posts never touches the user's row: no false "changed by someone".
    version = repo.get_user(bob.id).version
    repo.create_post(bob.id, "new", "text")
    assert repo.get_user(bob.id).version == version


def test_concurrent_writers_keep_the_counter_true(repo, backend, empty_url):
    authors = [repo.create_user(f"u{n}", f"u{n}@example.com").id for n in range(3)]
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(seed: int) -> None:
        chance = random.Random(seed)
        mine: list[int] = []
        with open_database(empty_url) as own:
            writer = Repository(own)
            start.wait()
            for _ in range(ROUNDS):
                try:
                    step = chance.random()
                    if step < 0.5 or not mine:
                        mine.append(writer.create_post(chance.choice(authors), "t", "x").id)
                    elif step < 0.75:
                        writer.delete_post(mine.pop(chance.randrange(len(mine))))
                    elif step < 0.9:
                        post = mine[chance.randrange(len(mine))]
                        writer.update_post(post, "moved", "x", user_id=chance.choice(authors))
                    else:  # several authors' posts in one statement
                        run(
                            own,
                            "INSERT INTO posts (user_id, title, content)"
                            " SELECT id, 'many', 'x' FROM users",
                        )
                except (BusyError, TransientConflictError):
                    continue  # the other writers' turn; the counter must hold regardless

    def guarded(seed: int) -> None:
        try:
            write(seed)
        except BaseException as error:  # reported by the test body
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    _all_true(backend)
    assert sum(real for _counter, real in _counts(backend).values()) > 0
