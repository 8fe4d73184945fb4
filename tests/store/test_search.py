"""Full-text search: both backends find what the plain-Python reference finds, and nothing
typed is ever an error.

Generated text stays inside the rule of desktop/store/search.py: letters from Latin (with
accented letters), Cyrillic and CJK, the digits 0-9, and separators from ASCII punctuation,
spaces, line breaks and emoji. Letters whose lower case is longer than one character (`İ`),
letters newer than the Unicode version SQLite's tokenizer knows, and other digits are left
out: there the backends' own rules differ from each other, not from their promise.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from desktop.store import search
from desktop.store.backend import Backend
from desktop.store.repository import Repository
from desktop.store.validation import trimmed

# Cyrillic small a to ze, capital De, Io and small io, by code point
# (some look like Latin letters in the source).
CYRILLIC = "".join(chr(c) for c in (*range(0x0430, 0x0438), 0x0414, 0x0401, 0x0451))
LETTERS = "abcdeAÉéüÜñçøÅxyz" + CYRILLIC + "中文字日本"
DIGITS = "0123456789"
SEPARATORS = " .,-:;!?'\"()*^_@/#&+\n\t😀🎉—"
VOCABULARY = ["analytical", "Analysis", "CAFÉ", "café", "дом", "Дома", "中文字", "loom", "a1", "x"]

word_st = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(alphabet=LETTERS + DIGITS, min_size=1, max_size=8),
)
separator_st = st.text(alphabet=SEPARATORS, min_size=1, max_size=3)


@st.composite
def texts(draw: st.DrawFn, max_words: int = 12) -> str:
    parts = draw(st.lists(st.tuples(word_st, separator_st), max_size=max_words))
    lead = draw(st.sampled_from(["", " ", "(", "😀"]))
    return lead + "".join(word + sep for word, sep in parts)


@st.composite
def queries(draw: st.DrawFn) -> str:
    """Words or prefixes of the vocabulary, some quoted, with a little junk between."""
    pieces = []
    for word in draw(st.lists(word_st, min_size=1, max_size=3)):
        cut = draw(st.integers(min_value=1, max_value=len(word)))
        pieces.append(word[:cut])
    junk = draw(st.sampled_from([" ", "  ", " * ", " - ", ":", " ^", " AND ", " OR ", ", "]))
    text = junk.join(pieces)
    quoting = draw(st.sampled_from(["none", "all", "open", "first"]))
    if quoting == "all":
        return f'"{text}"'
    if quoting == "open":
        return f'"{text}'
    if quoting == "first" and len(pieces) > 1:
        return f'"{pieces[0]} {pieces[1]}" ' + " ".join(pieces[2:])
    return text


def _nonblank(text: str) -> bool:
    return trimmed(text) != ""


@st.composite
def data_sets(draw: st.DrawFn) -> list[tuple[str, str, list[str]]]:
    """Posts as (title, content, comment bodies)."""
    return draw(
        st.lists(
            st.tuples(
                texts(max_words=4).filter(_nonblank),
                texts().filter(_nonblank),
                st.lists(texts(max_words=6).filter(_nonblank), max_size=2),
            ),
            min_size=1,
            max_size=5,
        )
    )


def _comment(repo: Repository, post_id: int, body: str) -> tuple[int, str]:
    comment = repo.create_comment(post_id, body)
    return comment.id, comment.body


def _clear(backend: Backend) -> None:
    with backend.transaction():
        backend.execute("DELETE FROM comments")
        backend.execute("DELETE FROM posts")
        backend.execute("DELETE FROM users")


def _expected(
    query_text: str, stored: list[tuple[int, str, str, list[tuple[int, str]]]]
) -> list[tuple[int, int | None]]:
    query = search.parse(query_text)
    found: list[tuple[int, int | None]] = []
    for post_id, title, content, comments in stored:
        if search.matches(query, [title, content]):
            found.append((post_id, None))
            continue
        matching = [cid for cid, body in comments if search.matches(query, [body])]
        if matching:
            found.append((post_id, min(matching)))
    return sorted(found, reverse=True)


def _paged(repo: Repository, text: str, size: int) -> list[tuple[int, int | None]]:
    """Every result, a keyset page of `size` at a time."""
    found: list[tuple[int, int | None]] = []
    after = None
    while True:
        page = repo.search_posts(text, limit=size, after=after)
        found += [(hit.post_id, hit.comment_id) for hit in page.items]
        if page.after is None:
            return found
        after = page.after


SLOW = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SLOW
@given(data=data_sets(), query_texts=st.lists(queries(), min_size=1, max_size=4))
@example(data=[("0e0c", "x", [])], query_texts=["c"])
def test_both_backends_find_what_the_reference_finds(
    repo: Repository,
    backend: Backend,
    data: list[tuple[str, str, list[str]]],
    query_texts: list[str],
) -> None:
    _clear(backend)
    user = repo.create_user("Searcher", "searcher@example.org")
    stored = []
    for title, content, bodies in data:
        post = repo.create_post(user.id, title, content)
        comments = [_comment(repo, post.id, body) for body in bodies]
        stored.append((post.id, post.title, post.content, comments))
    for query_text in query_texts:
        want = _expected(query_text, stored)
        event("some posts match" if want else "no post matches")
        page = repo.search_posts(query_text, limit=1000)
        got = [(hit.post_id, hit.comment_id) for hit in page.items]
        assert got == want, query_text
        assert repo.count_search(query_text) == len(want)
        assert _paged(repo, query_text, 2) == want, query_text
        for window in (1, 3):  # the newest posts first, then the index for older ones
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(search, "NEWEST_FIRST_WINDOW", window)
                assert _paged(repo, query_text, 2) == want, (query_text, window)


@SLOW
@given(data=data_sets(), query_text=queries())
def test_edits_made_outside_the_app_are_found(
    repo: Repository, backend: Backend, data: list[tuple[str, str, list[str]]], query_text: str
) -> None:
    """Plain SQL updates and deletes, as psql or the sqlite3 shell would make them."""
    _clear(backend)
    user = repo.create_user("Searcher", "searcher@example.org")
    stored = []
    for title, content, bodies in data:
        post = repo.create_post(user.id, "placeholder", "placeholder")
        comment_ids = [repo.create_comment(post.id, "placeholder").id for _ in bodies]
        stored.append((post.id, title, content, list(zip(comment_ids, bodies, strict=True))))
    for post_id, title, content, comments in stored:
        _raw_update(
            backend,
            "UPDATE posts SET title = ?, content = ? WHERE id = ?",
            (title, content, post_id),
        )
        for comment_id, body in comments:
            _raw_update(backend, "UPDATE comments SET body = ? WHERE id = ?", (body, comment_id))
    dropped = stored[0]
    _raw_update(backend, "DELETE FROM comments WHERE post_id = ?", (dropped[0],))
    _raw_update(backend, "DELETE FROM posts WHERE id = ?", (dropped[0],))
    want = _expected(query_text, stored[1:])
    got = [(hit.post_id, hit.comment_id) for hit in repo.search_posts(query_text, limit=1000).items]
    assert got == want


def _raw_update(backend: Backend, sql: str, params: tuple[object, ...]) -> None:
    if backend.dialect == "postgresql":
        sql = sql.replace("?", "%s")
    with backend.transaction():
        backend.execute(sql, params)


ARBITRARY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def searchable(repo: Repository) -> Repository:
    user = repo.create_user("Ada", "ada@example.org")
    post = repo.create_post(user.id, "Analytical Engine", "Notes on the loom — CAFÉ, дом, 中文字.")
    repo.create_comment(post.id, "NEAR the loom: AND/OR (not) \"quoted\" 'SQL'; --")
    return repo


@ARBITRARY
@given(text=st.text(max_size=300))
def test_anything_typed_is_a_search(searchable: Repository, text: str) -> None:
    page = searchable.search_posts(text, limit=5)
    assert searchable.count_search(text) >= len(page.items)


HOSTILE = [
    '"analy',
    '"',
    '""',
    "*",
    "analy*",
    "-loom",
    "loom:",
    "title:loom",
    "^loom",
    "NEAR(loom engine)",
    "loom AND engine",
    "loom OR",
    "NOT loom",
    "(loom",
    "loom)",
    "'; DROP TABLE posts; --",
    "' OR 1=1 --",
    "\\",
    "a:*B & !c | <-> d",
    "...,,,;;;!!!",
    "   ",
    "",
    "\x00loom",
    "loom " * 2000,
    "x" * 10_000,
    " ".join(f"w{n}" for n in range(3000)),
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_searches_give_results_or_nothing(searchable: Repository, text: str) -> None:
    page = searchable.search_posts(text)
    assert searchable.count_search(text) == len(page.items)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("analy", True),
        ("ANALYTICAL engine", True),
        ('"analytical engine"', True),
        ('"engine analytical"', False),
        ('"engine notes"', False),  # a phrase does not run from the title into the content
        ("café", True),
        ("cafe", False),  # accents are kept
        ("ДОМ", True),
        ("中文", True),
        ("文字", False),  # a run of CJK characters is one word
        ("loom quoted", True),  # both in one comment
        ("engine quoted", False),  # one in the post, one in a comment: not one document
        ('"analy', True),
    ],
)
def test_what_a_word_and_a_phrase_mean(searchable: Repository, text: str, found: bool) -> None:
    assert bool(searchable.search_posts(text).items) is found


NUMBER_LIKE = "Build 0e0c of 3e4e5, after 12E3abc and 1e5"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("c", False),  # PostgreSQL's parser once read `0e0c` as the number `0e0` and `c`
        ("e5", False),  # and `3e4e5` as `3e4` and `e5`
        ("abc", False),
        ("0e0c", True),
        ("3e4e", True),
        ("12e3abc", True),
        ("1e5", True),
        ('"0e0c of 3e4e5"', True),  # positions count whole words
        ('"build 0e0c of"', True),
        ('"after 12e3abc and 1e5"', True),
        ('"0e0c 3e4e5"', False),
    ],
)
def test_a_word_of_digits_and_e_is_one_word(repo: Repository, text: str, found: bool) -> None:
    user = repo.create_user("Ada", "ada@example.org")
    post = repo.create_post(user.id, "Release", NUMBER_LIKE)
    repo.create_comment(post.id, NUMBER_LIKE)
    assert search.matches(search.parse(text), [NUMBER_LIKE]) is found
    assert bool(repo.search_posts(text).items) is found
    assert repo.count_search(text) == int(found)


def test_a_match_in_a_comment_names_the_comment(searchable: Repository) -> None:
    (hit,) = searchable.search_posts("quoted").items
    assert hit.comment_id is not None
    assert hit.author_email == "ada@example.org"
    assert hit.title == "Analytical Engine"
    start, end = hit.snippet.marks[0]
    assert hit.snippet.text[start:end] == "quoted"


def test_results_are_keyset_paged_newest_first(repo: Repository) -> None:
    user = repo.create_user("Ada", "ada@example.org")
    ids = [repo.create_post(user.id, f"loom {n}", "text").id for n in range(7)]
    seen: list[int] = []
    after = None
    while True:
        page = repo.search_posts("loom", limit=3, after=after)
        seen += [hit.post_id for hit in page.items]
        if page.after is None:
            break
        after = page.after
    assert seen == sorted(ids, reverse=True)
    assert repo.count_search("loom") == 7


def test_a_capped_count_says_more_without_counting_on(repo: Repository) -> None:
    user = repo.create_user("Ada", "ada@example.org")
    posts = [repo.create_post(user.id, f"loom {n}", "text").id for n in range(4)]
    plain = repo.create_post(user.id, "plain", "text")
    repo.create_comment(plain.id, "a loom in a comment")
    repo.create_comment(posts[0], "another loom")  # its post is counted once
    assert repo.count_search("loom") == 5
    assert repo.count_search("loom", at_most=5) == 5
    assert repo.count_search("loom", at_most=4) == 5  # "more than 4"
    assert repo.count_search("loom", at_most=2) == 3
    assert repo.count_search("loom", at_most=0) == 1


@pytest.mark.parametrize("window", [1, 2, 5, 100])
def test_comments_found_whatever_order_they_were_written_in(
    repo: Repository, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """Comment ids need not follow their posts' ids: a late comment on an old post, an
    early one on the newest post, posts matching by themselves and through comments."""
    monkeypatch.setattr(search, "NEWEST_FIRST_WINDOW", window)
    user = repo.create_user("Ada", "ada@example.org")
    posts = [repo.create_post(user.id, f"post {n}", "text").id for n in range(6)]
    newest_first = repo.create_comment(posts[5], "a loom early")
    repo.create_post(user.id, "loom itself", "text")  # posts[6], matching by its title
    for n in (2, 4):
        repo.create_comment(posts[n], "nothing here")
    late = repo.create_comment(posts[0], "a loom, late")
    also = repo.create_comment(posts[3], "loom too")
    want = [(posts[5] + 1, None), (posts[5], newest_first.id), (posts[3], also.id),
            (posts[0], late.id)]
    for size in (1, 2, 3, 10):
        assert _paged(repo, "loom", size) == want, size
    assert repo.count_search("loom") == 4


@pytest.mark.parametrize("window", [1, 2, 3])
def test_posts_past_the_newest_window_found_in_order(
    repo: Repository, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """Where the newest posts match often, the posts after them are walked on (PostgreSQL:
    four windows more) before the index is asked for the rest; comments on those posts
    still come from the index. Every page must be the matches in order all the same."""
    monkeypatch.setattr(search, "NEWEST_FIRST_WINDOW", window)
    user = repo.create_user("Ada", "ada@example.org")
    posts = [
        repo.create_post(user.id, f"loom {n}" if n % 3 else f"post {n}", "text").id
        for n in range(40)
    ]
    on_quiet_posts = {
        posts[n]: repo.create_comment(posts[n], "a loom here").id for n in (3, 21, 36)
    }
    want = [
        (post_id, on_quiet_posts.get(post_id) if n % 3 == 0 else None)
        for n, post_id in enumerate(posts)
        if n % 3 or post_id in on_quiet_posts
    ][::-1]
    for size in (1, 2, 4, 7, 50):
        assert _paged(repo, "loom", size) == want, size
    assert repo.count_search("loom") == len(want)


def test_a_word_is_sent_as_the_words_it_begins_where_they_are_few() -> None:
    """SQLite: a word of 2 or 3 characters is read from the prefix indexes; another word
    alone becomes the words of the index that start with it (each a lazy list): the word
    itself where there are none, its prefix where there are too many; the words of a phrase
    stay prefixes."""
    asked: list[str] = []
    known = {"loom": ["loom", "loomed"], "l": None, "zanzibar": []}

    def indexed(prefix: str) -> list[str] | None:
        asked.append(prefix)
        return known[prefix]

    query = search.parse('loo loom "loom shuttle" l zanzibar')
    assert search.fts5_match(query, indexed) == (
        '"loo"* AND ("loom" OR "loomed") AND "loom"* + "shuttle"* AND "l"* AND "zanzibar"'
    )
    assert asked == ["loom", "l", "zanzibar"]


@pytest.mark.parametrize("words_per_prefix", [1, 2, 128])
def test_a_word_finds_every_word_it_begins_however_many(
    repo: Repository, monkeypatch: pytest.MonkeyPatch, words_per_prefix: int
) -> None:
    """With a list of the words (up to WORDS_PER_PREFIX) or without (FTS5's own merge), the
    same posts; a word whose last post was deleted may stay in the list, finding nothing."""
    monkeypatch.setattr(search, "WORDS_PER_PREFIX", words_per_prefix)
    user = repo.create_user("Ada", "ada@example.org")
    titles = ["loom", "looms and", "gloom", "lo", "a loomed end", "quiet"]
    posts = [repo.create_post(user.id, title, "text").id for title in titles]
    repo.create_comment(posts[5], "Loomings, quietly.")
    want = [posts[5], posts[4], posts[1], posts[0]]
    assert [hit.post_id for hit in repo.search_posts("loom").items] == want
    assert [hit.post_id for hit in repo.search_posts("LOOM quiet").items] == [posts[5]]
    assert repo.count_search("loom") == 4
    repo.delete_post(posts[1])
    assert [hit.post_id for hit in repo.search_posts("looms").items] == []
    assert repo.count_search("loom") == 3


def test_snippet_marks_every_matched_word() -> None:
    query = search.parse("loo ana")
    found = search.snippet("An analysis.\nOf the LOOM and the loop", query)
    marked = [found.text[s:e] for s, e in found.marks]
    assert marked == ["analysis", "LOOM", "loop"]
    assert "\n" not in found.text


def test_the_reference_splits_words_as_the_rule_says() -> None:
    assert search.words("x😀y foo.bar a_b CAFÉ Дом 中文字 abc中文") == [
        "x",
        "y",
        "foo",
        "bar",
        "a",
        "b",
        "café",
        "дом",
        "中文字",
        "abc中文",
    ]
    assert search.parse('"a b" c "d').terms == (
        search.Term(("a", "b")),
        search.Term(("c",)),
        search.Term(("d",)),
    )
    assert len(search.parse(" ".join(f"w{n}" for n in range(100))).terms) == search.MAX_TERMS


def test_a_long_text_of_many_different_words_is_saved_and_its_start_found(
    repo: Repository,
) -> None:
    """A tsvector holds at most 1 MB: 1 MB of different words would fail the save on
    PostgreSQL if the whole text were indexed. The first INDEXED_CHARS characters are."""
    words = [f"w{n:06x}" for n in range(150_000)]  # 8 characters each with its space
    content = " ".join(words)
    assert len(content) > 1_000_000
    user = repo.create_user("Long", "long@example.org")
    post = repo.create_post(user.id, "A long paste", content)
    assert [hit.post_id for hit in repo.search_posts(words[0]).items] == [post.id]
    last_indexed = content[: search.INDEXED_CHARS].split()[-2]
    assert [hit.post_id for hit in repo.search_posts(last_indexed).items] == [post.id]
    assert repo.search_posts(words[-1]).items == []
    repo.update_post(post.id, "A long paste", content[::-1], user_id=user.id, expected=post)
    assert repo.search_posts(words[0]).items == []
