"""Full-text search: what a typed search means, and the same meaning on both backends.

The rule, shared by SQLite (FTS5, `unicode61 remove_diacritics 0`), PostgreSQL (a `simple`
tsvector over the text with every run of non-alphanumeric characters made one space and
PG_WORD_MARK put before each word, see db/migrations/010_search_words_kept_whole.*.sql) and
the plain-Python reference below:

- A word is a longest run of letters and digits; every other character (spaces,
  punctuation, symbols, emoji, `_`) separates words. A run of CJK characters is one word,
  as is a run mixing scripts (`abc中文`).
- Case is folded (`CAFÉ` finds `café`); accents are kept (`cafe` does not find `café`):
  PostgreSQL's `simple` configuration cannot drop them without an extension.
- Every searched word matches a word that starts with it (`analy` finds `Analytical`).
- Several words must all be in one post (title and content together) or in one comment.
- Words in double quotes are a phrase: they must follow one another, in that order, inside
  one title, one content or one comment (each word still a prefix). A quote left open
  runs to the end.
- Everything else typed (`*`, `-`, `:`, `^`, `NEAR`, `AND`/`OR`/`NOT`, parentheses) is
  either a separator or a plain word: a search is built from words, so it never fails.
- At most MAX_TERMS different terms count (the rest are ignored); a word longer than
  MAX_WORD_BYTES cannot match (PostgreSQL does not index such words).
- Only the first INDEXED_CHARS characters of each title, content and comment are indexed:
  PostgreSQL refuses a tsvector over 1 MB, which a long text of many different words would
  pass (and its save fail with it).

Where the backends' own rules stretch beyond this one (letters outside the Unicode version
SQLite's tokenizer knows, digits other than 0-9, letters whose lower case is longer than
one character such as `İ`, PostgreSQL's 256 positions per word and 16,383 positions per
text), they may disagree; tests/store/test_search.py generates text inside the rule.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

MAX_TERMS = 16
# PostgreSQL's parser reads `0e0c` as the number `0e0` and the word `c`; a word that starts
# with a letter is always one token, so its index holds each word with this before it.
PG_WORD_MARK = "x"
# PostgreSQL's longest indexed word is 2047 bytes of UTF-8, PG_WORD_MARK included
MAX_WORD_BYTES = 2047 - len(PG_WORD_MARK.encode("utf-8"))
INDEXED_CHARS = 100_000  # as db/migrations/006_full_text_search.*.sql index
SNIPPET_CHARS = 160
COUNT_ALL = 2**62  # count_search's bound when every match is to be counted
# SQLite: FTS5 reads a prefix of these lengths from the prefix indexes of migration 009, one
# list in rowid order. Any other word is searched as the words the index holds that start
# with it (read from the fts5vocab tables of 009), when there are at most WORDS_PER_PREFIX:
# one lazy list each, where the bare prefix would make FTS5 merge all their lists, over the
# whole table, before the first row. Beyond that (a single letter in real text), the merge.
PREFIX_INDEX_LENGTHS = (2, 3)
WORDS_PER_PREFIX = 128
# search_posts looks at the newest this many posts (and their comments) first, by id, and
# asks the full-text index for older ones only when those do not fill the page: a common
# word's page comes from them alone (db/queries/search.*.sql).
NEWEST_FIRST_WINDOW = 2000


def is_word_char(char: str) -> bool:
    """Letters, digits and private-use characters: what FTS5's unicode61 keeps in words."""
    category = unicodedata.category(char)
    return category[0] in "LN" or category == "Co"


def words_with_spans(text: str) -> list[tuple[str, int, int]]:
    """Each word of `text`, folded, with where it stands in `text`."""
    found: list[tuple[str, int, int]] = []
    start: int | None = None
    for index, char in enumerate(text):
        if is_word_char(char):
            if start is None:
                start = index
        elif start is not None:
            found.append((text[start:index].lower(), start, index))
            start = None
    if start is not None:
        found.append((text[start:].lower(), start, len(text)))
    return found


def words(text: str) -> list[str]:
    return [word for word, _, _ in words_with_spans(text)]


@dataclass(frozen=True, slots=True)
class Term:
    """One thing every match must hold: a word (one entry) or a phrase (several, in order)."""

    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    terms: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def impossible(self) -> bool:
        """A word too long to be indexed anywhere: nothing can match."""
        return any(
            len(word.encode("utf-8")) > MAX_WORD_BYTES for term in self.terms for word in term.words
        )


def parse(text: str) -> SearchQuery:
    """Anything typed, as terms: quoted stretches are phrases, the rest single words."""
    terms: list[Term] = []
    for index, part in enumerate(text.split('"')):
        found = words(part)
        if index % 2 == 1:  # inside quotes
            if found:
                terms.append(Term(tuple(found)))
        else:
            terms.extend(Term((word,)) for word in found)
    unique = list(dict.fromkeys(terms))
    return SearchQuery(tuple(unique[:MAX_TERMS]))


# -- what each backend is sent --------------------------------------------------------------


def _fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts5_prefix(word: str) -> str:
    return _fts5_string(word) + "*"


# What the index holds that starts with a prefix: the words, or None when there are more
# than WORDS_PER_PREFIX.
IndexedWords: TypeAlias = Callable[[str], Sequence[str] | None]


def _fts5_word(word: str, indexed: IndexedWords | None) -> str:
    if indexed is None or len(word) in PREFIX_INDEX_LENGTHS:
        return _fts5_prefix(word)
    found = indexed(word)
    if found is None:  # too many: FTS5's merge is the way
        return _fts5_prefix(word)
    if not found:  # the word itself, absent too: one seek finds nothing (a merge scans)
        return _fts5_string(word)
    if len(found) == 1:
        return _fts5_string(found[0])
    return "(" + " OR ".join(_fts5_string(w) for w in found) + ")"


def fts5_match(query: SearchQuery, indexed: IndexedWords | None = None) -> str:
    """An FTS5 MATCH expression made only of quoted terms: no syntax can leak in. A word
    alone is the words `indexed` gives for it where it gives some (see PREFIX_INDEX_LENGTHS);
    the words of a phrase stay prefixes (FTS5 has no alternatives inside a phrase)."""
    return " AND ".join(
        _fts5_word(term.words[0], indexed)
        if len(term.words) == 1
        else " + ".join(_fts5_prefix(w) for w in term.words)
        for term in query.terms
    )


def _tsquery_lexeme(word: str, weight: str = "") -> str:
    escaped = (PG_WORD_MARK + word).replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}':*{weight}"


def _tsquery_phrase(term: Term, weight: str = "") -> str:
    return " <-> ".join(_tsquery_lexeme(w, weight) for w in term.words)


def tsquery_for_comments(query: SearchQuery) -> str:
    """tsquery text (cast, not parsed: the words are already folded) for one comment body."""
    return " & ".join(f"( {_tsquery_phrase(term)} )" for term in query.terms)


def tsquery_for_posts(query: SearchQuery) -> str:
    """The same for a post, whose title is weight A and content weight B: a phrase must
    stay inside one of them, as an FTS5 phrase stays inside one column."""
    parts = []
    for term in query.terms:
        if len(term.words) == 1:
            parts.append(f"( {_tsquery_phrase(term)} )")
        else:
            parts.append(f"( {_tsquery_phrase(term, 'A')} | {_tsquery_phrase(term, 'B')} )")
    return " & ".join(parts)


def backend_matches(
    dialect: str,
    query: SearchQuery,
    indexed: Callable[[str], tuple[Sequence[str] | None, Sequence[str] | None]] | None = None,
) -> tuple[str, str]:
    """What db/queries/search.<dialect>.sql takes as :posts_match and :comments_match.
    `indexed` (SQLite) gives the words each index, posts' and comments', holds that start
    with a prefix (db/queries/search.sqlite.sql's search_words)."""
    if dialect == "sqlite":
        if indexed is None:
            match = fts5_match(query)
            return match, match
        known = functools.cache(indexed)
        return (
            fts5_match(query, lambda word: known(word)[0]),
            fts5_match(query, lambda word: known(word)[1]),
        )
    return tsquery_for_posts(query), tsquery_for_comments(query)


# -- the reference: what a match is, in plain Python -----------------------------------------


def _term_in(term: Term, field: Sequence[str]) -> bool:
    size = len(term.words)
    for start in range(len(field) - size + 1):
        if all(field[start + i].startswith(w) for i, w in enumerate(term.words)):
            return True
    return False


def matches(query: SearchQuery, fields: Sequence[str]) -> bool:
    """Whether one document (a post's title and content, or a comment's body) matches."""
    if query.empty or query.impossible:
        return False
    split = [words(field[:INDEXED_CHARS]) for field in fields]
    return all(any(_term_in(term, field) for field in split) for term in query.terms)


# -- a snippet around the first match --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snippet:
    """Text around the first matched word; `marks` are (start, end) spans within `text` of
    every word that matched a searched word."""

    text: str
    marks: tuple[tuple[int, int], ...]


def snippet(text: str, query: SearchQuery, width: int = SNIPPET_CHARS) -> Snippet:
    searched = [w for term in query.terms for w in term.words]
    spans = [
        (s, e) for word, s, e in words_with_spans(text) if any(word.startswith(w) for w in searched)
    ]
    if not spans:
        return Snippet(_one_line(text[:width]), ())
    first = spans[0][0]
    begin = max(0, first - width // 4)
    end = min(len(text), begin + width)
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    body = text[begin:end]
    marks = tuple(
        (s - begin + len(prefix), min(e, end) - begin + len(prefix))
        for s, e in spans
        if s >= begin and s < end
    )
    return Snippet(_one_line(prefix + body + suffix), marks)


def _one_line(text: str) -> str:
    """Line breaks as spaces, one for one, so marks keep their places."""
    return re.sub(r"[\r\n\t\v\f\u2028\u2029\x85]", " ", text)


# -- what a search hands out ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One found post; `comment_id` names the first matching comment when the post's own
    title and content do not match."""

    post_id: int
    title: str
    created_at: datetime | None
    user_id: int
    author_name: str
    author_email: str
    comment_id: int | None
    snippet: Snippet


@dataclass(frozen=True, slots=True)
class SearchCursor:
    """After this post id (results come highest id first)."""

    post_id: int


FIRST_PAGE = SearchCursor(2**62)
