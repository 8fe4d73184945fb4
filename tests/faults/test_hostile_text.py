"""Hostile text through the repository (property-based, on both backends) and through the
post form: any Unicode, NUL characters, 1 MB content, SQL-injection strings, surrounding
whitespace, emails differing only in case.

The contract (desktop/store/validation.py): names, emails and titles are stored trimmed of
surrounding whitespace; content and comment bodies exactly as written; a value holding a NUL
character is refused with a ValidationError naming its field; what is saved reads back
exactly; what is refused says why; nothing else ever escapes (no driver error, no crash).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QLineEdit

from desktop.store.backend import Backend
from desktop.store.connection import open_database
from desktop.store.errors import StoreError, ValidationError
from desktop.store.repository import Repository
from desktop.store.validation import trimmed
from desktop.ui.editing import Kind
from tests.conftest import MakeDatabase
from tests.faults.conftest import Ledger
from tests.support.dbtools import run
from tests.ui.conftest import Bot, Desk, Prompts, field_text, peek, wait_idle
from tests.ui.test_main_window import select_post, select_user

pytestmark = pytest.mark.fault

INJECTIONS = [
    "'; DROP TABLE users; --",
    "Robert'); DROP TABLE posts;--",
    "' OR '1'='1",
    '" OR ""="',
    "1; DELETE FROM comments WHERE 1=1",
    "$$; SELECT pg_sleep(10); $$",
    "'); ATTACH DATABASE '/tmp/x.db' AS x; --",
    "%",
    "_",
    "\\",
    "%_\\'\"`",
    ":name",
    "%(name)s",
    "%s",
    "?",
    "$1",
    "NULL",
    "{title}",
    "--",
    "/* */",
]
UNICODE = [
    "مرحبا بالعالم",  # right to left
    "שלום עולם",
    "\u202eevil\u202c",  # right-to-left override
    "e\u0301\u0302\u0303",  # combining marks
    "Z\u0364\u0351a\u0308\u0356l\u036e\u0312g\u030c\u0317o\u0319",
    "👩‍👩‍👧‍👦 🇫🇷 👍🏽",  # joined emoji, a flag, a skin tone
    "\ufeffBOM\u200b\u200d",
    "\U0001d573\U0001d58a\U0001d591\U0001d591\U0001d594 \ufdfa \u00df \u1e9e \u0130stanbul",
    "\U0010fffd\uffff\ufffe",
    "\x01\x07\x1b[31mred\x1b[0m\x7f",
]
WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u1680\u2003\u2028\u2029\u3000\x85"
INVISIBLE = "\ufeff\u200b\u200d\u2060\xad"  # drawn as nothing: trimmed at the edges too

pieces = st.one_of(st.sampled_from(INJECTIONS + UNICODE), st.text(max_size=40))
hostile = st.builds(
    lambda left, core, right: left + core + right,
    st.text(alphabet=WHITESPACE + INVISIBLE, max_size=3),
    st.lists(pieces, min_size=1, max_size=3).map("".join),
    st.text(alphabet=WHITESPACE + INVISIBLE, max_size=3),
)
# Characters an email's parts may hold: anything but '@', '.', whitespace, controls and
# what trimming removes at an edge.
label = st.text(
    alphabet=st.characters(
        blacklist_characters="@.\x00\xad\u180e\u200b\u200c\u200d\u2060\u2061\ufeff",
        blacklist_categories=("Zs", "Zl", "Zp", "Cc", "Cs"),
    ),
    min_size=1,
    max_size=12,
)
emails = st.builds(
    lambda left, local, domain, tld, right: f"{left}{local}@{domain}.{tld}{right}",
    st.text(alphabet=" \t\u3000", max_size=2),
    st.one_of(label, st.sampled_from(["o'brien", "a%b_c", "x;drop", '"q"', "$1"])),
    label,
    label,
    st.text(alphabet=" \t\u3000", max_size=2),
)


def nonblank(text: str) -> bool:
    return bool(trimmed(text))


def storable_line(text: str, limit: int) -> bool:
    return nonblank(text) and "\x00" not in text and len(trimmed(text)) <= limit


def storable_text(text: str) -> bool:
    return nonblank(text) and "\x00" not in text


def with_nul(text: str, where: int) -> str:
    at = where % (len(text) + 1)
    return text[:at] + "\x00" + text[at:]


# -- a database per backend for the whole module, emptied before each example -------------------


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def text_db(request: pytest.FixtureRequest, make_database: MakeDatabase) -> Iterator[Backend]:
    if request.param == "postgresql":
        request.getfixturevalue("pg_admin_url")
    backend = open_database(make_database(request.param))
    yield backend
    backend.close()


@pytest.fixture
def fresh(text_db: Backend) -> Any:
    """Call it at the start of each example: an empty database and its repository."""

    def empty() -> Repository:
        for table in ("comments", "posts", "users"):
            run(text_db, f"DELETE FROM {table}")
        return Repository(text_db)

    return empty


EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_refused(error: ValidationError, *fields: str) -> None:
    """Refused naming a field, in plain words."""
    assert set(error.errors) <= set(fields), error.errors
    for message in error.errors.values():
        assert message.endswith(".")
        assert "Traceback" not in message and "text fields cannot contain" not in message


# -- users ---------------------------------------------------------------------------------------


@EXAMPLES
@given(name=hostile, email=emails)
@example(name="  Ada\u00a0Lovelace \n", email=" ADA@example.com\t")
@example(name="Robert'); DROP TABLE users;--", email="bobby@tables.example")
def test_a_user_reads_back_exactly_trimmed(fresh: Any, ledger: Ledger, name: str, email: str):
    assume(storable_line(name, 200) and "\x00" not in email)
    repo: Repository = fresh()

    user = repo.create_user(name, email)

    assert (user.name, user.email) == (trimmed(name), trimmed(email))
    again = repo.get_user(user.id)
    assert (again.name, again.email) == (trimmed(name), trimmed(email))
    listed = [u for u in repo.list_users(limit=10).items if u.id == user.id]
    ledger.check_rows(1, len(listed), "users")
    assert (listed[0].name, listed[0].email) == (trimmed(name), trimmed(email))


@EXAMPLES
@given(name=hostile, email=st.one_of(emails, hostile))
def test_any_user_is_saved_exactly_or_refused_with_a_reason(
    fresh: Any, ledger: Ledger, name: str, email: str
):
    repo: Repository = fresh()
    try:
        user = repo.create_user(name, email)
    except ValidationError as refused:
        assert_refused(refused, "name", "email")
        if "\x00" in trimmed(name):
            assert "name" in refused.errors
        if "\x00" in trimmed(email):
            assert "email" in refused.errors
        ledger.check_rows(0, repo.count_users(), "users after a refusal")
        return
    assert "\x00" not in name + email
    ledger.check_rows(1, repo.count_users(), "users")
    stored = repo.get_user(user.id)
    assert (stored.name, stored.email) == (trimmed(name), trimmed(email))


def ascii_case_variant(email: str, seed: int) -> str:
    """The same address with some ASCII letters' case swapped (at least one)."""
    chooser = random.Random(seed)
    letters = [i for i, c in enumerate(email) if c.isascii() and c.isalpha()]
    flip = set(chooser.sample(letters, chooser.randint(1, len(letters))))
    return "".join(c.swapcase() if i in flip else c for i, c in enumerate(email))


@EXAMPLES
@given(email=emails, seed=st.integers())
@example(email="ann@example.com", seed=0)
def test_emails_differing_only_in_case_are_duplicates(
    fresh: Any, ledger: Ledger, email: str, seed: int
):
    assume(any(c.isascii() and c.isalpha() for c in email))
    repo: Repository = fresh()
    first = repo.create_user("First", email)
    variant = ascii_case_variant(email, seed)

    with pytest.raises(ValidationError) as taken:
        repo.create_user("Second", variant)
    assert set(taken.value.errors) == {"email"}
    other = repo.create_user("Other", "other@example.org")
    with pytest.raises(ValidationError) as taken_by_update:
        repo.update_user(other.id, "Other", variant)
    assert set(taken_by_update.value.errors) == {"email"}

    ledger.check_rows(2, repo.count_users(), "users")
    assert repo.get_user(first.id).email == trimmed(email)
    assert repo.get_user(other.id).email == "other@example.org"


# -- posts and comments --------------------------------------------------------------------------


@EXAMPLES
@given(title=hostile, content=hostile, body=hostile, new_content=hostile)
@example(
    title="\t'; DROP TABLE posts; -- ",
    content="  keep my spaces  \n",
    body="%_\\ and $$ and :name",
    new_content="\u202eright to left\u202c\n\n",
)
def test_posts_and_comments_read_back_exactly(
    fresh: Any, ledger: Ledger, title: str, content: str, body: str, new_content: str
):
    assume(storable_line(title, 300) and storable_text(content))
    assume(storable_text(body) and storable_text(new_content))
    repo: Repository = fresh()
    author = repo.create_user("Author", "author@example.com")

    post = repo.create_post(author.id, title, content)
    comment = repo.create_comment(post.id, body)

    stored = repo.get_post(post.id)
    assert (stored.title, stored.content) == (trimmed(title), content)
    assert repo.get_comment(comment.id).body == body
    [listed] = repo.list_posts(author.id).items
    assert (listed.title, listed.content) == (trimmed(title), content)
    [listed_comment] = repo.list_comments(post.id).items
    assert listed_comment.body == body
    updated = repo.update_post(post.id, title, new_content)
    assert repo.get_post(post.id).content == new_content == updated.content
    assert repo.update_comment(comment.id, new_content).body == new_content
    counts = repo.table_counts()
    ledger.check_rows(1, counts["posts"], "posts")
    ledger.check_rows(1, counts["comments"], "comments")


FIELDS = ["name", "email", "title", "content", "body"]


@EXAMPLES
@given(field=st.sampled_from(FIELDS), where=st.integers(min_value=0), update=st.booleans())
@example(field="content", where=0, update=False)
def test_a_nul_character_is_refused_naming_its_field(
    fresh: Any, ledger: Ledger, field: str, where: int, update: bool
):
    repo: Repository = fresh()
    values = {
        "name": "Nul Tester",
        "email": "nul@example.com",
        "title": "A title",
        "content": "Some content.",
        "body": "A comment.",
    }
    values[field] = with_nul(values[field], where)
    user = post = comment = None
    if update:
        user = repo.create_user("Nul Tester", "nul@example.com")
        post = repo.create_post(user.id, "A title", "Some content.")
        comment = repo.create_comment(post.id, "A comment.")
    before = repo.table_counts()

    with pytest.raises(ValidationError) as refused:
        if field in ("name", "email"):
            if user is None:
                repo.create_user(values["name"], values["email"])
            else:
                repo.update_user(user.id, values["name"], values["email"])
        elif field in ("title", "content"):
            if post is None:
                author = repo.create_user("Author", "author@example.com")
                before = repo.table_counts()
                repo.create_post(author.id, values["title"], values["content"])
            else:
                repo.update_post(post.id, values["title"], values["content"])
        elif comment is None:
            author = repo.create_user("Author", "author@example.com")
            target = repo.create_post(author.id, "A title", "Some content.")
            before = repo.table_counts()
            repo.create_comment(target.id, values["body"])
        else:
            repo.update_comment(comment.id, values["body"])

    assert list(refused.value.errors) == [field]
    assert "NUL character" in refused.value.errors[field]
    after = repo.table_counts()
    for table, count in before.items():
        ledger.check_rows(count, after[table], table)
    if post is not None:
        assert repo.get_post(post.id).content == "Some content."
    if comment is not None:
        assert repo.get_comment(comment.id).body == "A comment."


def test_a_megabyte_of_content_reads_back_exactly(
    text_db: Backend, fresh: Any, ledger: Ledger
) -> None:
    repo: Repository = fresh()
    author = repo.create_user("Long Writer", "long@example.com")
    chunk = "".join(UNICODE) + "".join(INJECTIONS) + WHITESPACE.replace("\r", "")
    content = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]

    post = repo.create_post(author.id, "A megabyte", content)
    comment = repo.create_comment(post.id, content)

    assert repo.get_post(post.id).content == content
    assert repo.get_comment(comment.id).body == content
    [(stored_length,)] = run(text_db, "SELECT length(content) FROM posts WHERE id = ?", (post.id,))
    assert stored_length == 1_000_000  # characters, not bytes, on both backends
    counts = repo.table_counts()
    ledger.check_rows(1, counts["posts"], "posts")
    ledger.check_rows(1, counts["comments"], "comments")


# -- searching -----------------------------------------------------------------------------------

ascii_hostile = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1),
)


@EXAMPLES
@given(name=ascii_hostile, start=st.integers(min_value=0), size=st.integers(min_value=1))
@example(name="100% of_it \\o/", start=3, size=2)
def test_a_user_is_found_by_any_piece_of_their_name_in_any_case(
    fresh: Any, ledger: Ledger, name: str, start: int, size: int
):
    """The filter's %, _ and \\ are taken literally; the case of ASCII letters is ignored."""
    assume(nonblank(name) and len(trimmed(name)) <= 200)
    repo: Repository = fresh()
    stored = repo.create_user(name, "someone@example.com")
    other = repo.create_user("~", "~@~.~")  # matched by none of the filters below
    text = stored.name
    begin = start % len(text)
    piece = text[begin : begin + size].swapcase()
    assume(nonblank(piece) and not set(piece) & set("~@."))

    found = repo.list_users(piece).items

    assert [user.id for user in found] == [stored.id]
    assert repo.count_users(piece) == 1
    assert other.id not in [user.id for user in repo.list_users(piece + "~").items]
    ledger.check_rows(2, repo.count_users(), "users")


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "Ada\x00"])
def test_a_filter_with_a_nul_character_is_refused_not_misread(
    fresh: Any, ledger: Ledger, text: str
) -> None:
    repo: Repository = fresh()
    ada = repo.create_user("Ada", "ada@example.com")
    repo.create_user("Banana", "banana@example.com")  # SQLite would read "a\0b" as "a"
    repo.create_post(ada.id, "Data", "x")
    for call in (
        lambda: repo.list_users(text),
        lambda: repo.count_users(text),
        lambda: repo.list_posts(ada.id, text),
        lambda: repo.count_posts(ada.id, text),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.errors == {
            "filter": "The filter contains a NUL character, which no stored text can hold."
        }
    ledger.check_rows(2, repo.count_users(), "users")


UNICODE_NAMES = {
    "Ölaf Ærøskøbing": "Ölaf",
    "İpek Y\u0131lmaz": "İpek",  # a dotted capital I, a dotless small i
    "ΣΊΣΥΦΟΣ": "ΣΊΣ",
    "Ǆemal": "Ǆem",
}


def test_a_user_is_found_by_their_name_typed_exactly_as_stored(fresh: Any, ledger: Ledger) -> None:
    """Typing a name as it is written finds it, whatever its letters (both sides of the
    comparison are lower-cased by the same database)."""
    repo: Repository = fresh()
    missed = []
    for number, (name, typed) in enumerate(UNICODE_NAMES.items()):
        user = repo.create_user(name, f"person{number}@example.com")
        if user.id not in [u.id for u in repo.list_users(typed).items]:
            missed.append(typed)
    ledger.check_rows(len(UNICODE_NAMES), repo.count_users(), "users")  # stored, if not found
    assert missed == []


def test_nothing_else_escapes_a_search(fresh: Any, ledger: Ledger) -> None:
    """Any hostile filter gives rows or a StoreError: never a driver error."""
    repo: Repository = fresh()
    repo.create_user("Someone", "someone@example.com")
    for text in [*INJECTIONS, *UNICODE, "\x00", "x" * 10_000]:
        try:
            repo.list_users(text)
            repo.count_users(text)
        except StoreError:
            pass
    ledger.check_rows(1, repo.count_users(), "users")


# -- through the post form -------------------------------------------------------------------------

form_text = st.one_of(st.sampled_from(INJECTIONS + UNICODE), hostile)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=form_text, content=form_text)
@example(title="  ' OR '1'='1  ", content="👩‍👩‍👧‍👦\n\u202eevil\u202c\n  indented")
@example(title="\x85\ufeffBOM\u200b\u200d", content="x")
def test_the_post_form_stores_what_it_holds(
    desk: Desk, qtbot: Bot, answers: Prompts, ledger: Ledger, title: str, content: str
):
    if desk.window.editing.current_post is None:
        select_user(qtbot, desk, "Alan Turing")
        select_post(qtbot, desk, "Morphogenesis")
    form = desk.form(Kind.POST)
    current = desk.window.editing.current_post
    assert current is not None
    post_id = current.id
    fill(form, "title", title)
    fill(form, "content", content)
    held = form.values()  # what the person sees: Qt may turn \r or \u2029 into \n
    assume(storable_line(held["title"], 300) and storable_text(held["content"]))
    assume(form.is_dirty())

    form.save_button.click()
    wait_idle(qtbot, desk.worker)

    assert answers.take_errors() == []
    assert form.error_text("title") == form.error_text("content") == ""
    with peek(desk.url) as repo:
        stored = repo.get_post(post_id)
        posts = repo.table_counts()["posts"]
    assert (stored.title, stored.content) == (trimmed(held["title"]), held["content"])
    assert field_text(form, "title") == trimmed(held["title"])
    assert not form.is_dirty()
    ledger.check_rows(5, posts, "posts")


def fill(form: Any, key: str, text: str) -> None:
    """Replace a field's text as typing or pasting does (QTest's keyClicks cannot type
    emoji: it aborts on characters outside Latin-1)."""
    editor = form.editor(key)
    editor.setFocus()
    editor.selectAll()
    if isinstance(editor, QLineEdit):
        editor.insert(text)
    else:
        editor.insertPlainText(text)


@pytest.mark.parametrize("key", ["title", "content"])
def test_the_post_form_refuses_a_nul_next_to_the_field(
    desk: Desk, qtbot: Bot, answers: Prompts, ledger: Ledger, key: str
) -> None:
    select_user(qtbot, desk, "Alan Turing")
    select_post(qtbot, desk, "Morphogenesis")
    form = desk.form(Kind.POST)
    before = form.values()
    fill(form, key, "before\x00after")
    assert field_text(form, key) == "before\x00after"

    form.save_button.click()
    wait_idle(qtbot, desk.worker)

    assert answers.take_errors() == []  # no dialog: the message sits under the field
    assert "NUL character" in form.error_text(key)
    other = "content" if key == "title" else "title"
    assert form.error_text(other) == ""
    assert field_text(form, key) == "before\x00after" and form.is_dirty()
    current = desk.window.editing.current_post
    assert current is not None
    with peek(desk.url) as repo:
        stored = repo.get_post(current.id)
        posts = repo.table_counts()["posts"]
    assert (stored.title, stored.content) == (before["title"], before["content"])
    ledger.check_rows(5, posts, "posts")
