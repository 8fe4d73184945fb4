"""What the store will save: each rule names its field and says what is wrong in plain words."""

from __future__ import annotations

import re

from desktop.store.errors import ValidationError

MAX_NAME = 200
MAX_EMAIL = 254
MAX_TITLE = 300

# Deliberately plain: something@something.tld, no spaces. Full RFC 5322 would accept
# addresses no person means to type.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# Unicode's White_Space characters, and the four information separators U+001C..U+001F that
# Python's str.isspace() adds: nothing Python calls whitespace survives at an edge.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# Characters that take no room and draw nothing at the edge of a text.
_INVISIBLE = (
    "\xad"  # soft hyphen: drawn only where a line breaks inside a word
    "\u180e"  # Mongolian vowel separator (whitespace before Unicode 6.3)
    "\u200b\u200c\u200d"  # zero-width space, non-joiner, joiner: join nothing at an edge
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible mathematical operators
    "\ufeff"  # zero-width no-break space (a byte-order mark); Qt drops a leading one
)
_SURROUNDING = _WHITESPACE + _INVISIBLE


def trimmed(text: str) -> str:
    """`text` without what a person would call the whitespace around it: the one definition
    of "trimmed" for the store and the forms alike (str.strip() keeps U+FEFF and U+200B, so
    a title could be stored with characters the form never showed).

    Removed at either end: Unicode White_Space (spaces of every width, tabs, line and
    paragraph separators, NEL U+0085), U+001C..U+001F, and the invisible format characters
    U+00AD, U+180E, U+200B..U+200D, U+2060..U+2064 and U+FEFF. Kept, even at an edge:
    direction marks and embeddings (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069, U+061C),
    which change how the text between them reads; variation selectors and combining marks,
    which change the character before them; and every visible character. Inside the text
    nothing is touched.
    """
    return text.strip(_SURROUNDING)


def clean_user(name: str, email: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    name = _single_line(errors, "name", "name", name, MAX_NAME)
    email = _single_line(errors, "email", "email address", email, MAX_EMAIL)
    if "email" not in errors and not _EMAIL.match(email):
        errors["email"] = f"“{email}” is not an email address; write it like name@example.com."
    _raise(errors)
    return name, email


def clean_post(title: str, content: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    title = _single_line(errors, "title", "title", title, MAX_TITLE)
    _text(errors, "content", "content", content)
    _raise(errors)
    return title, content


def clean_comment(body: str) -> str:
    errors: dict[str, str] = {}
    _text(errors, "body", "comment", body)
    _raise(errors)
    return body


def _single_line(errors: dict[str, str], field: str, label: str, value: str, limit: int) -> str:
    """Trimmed (see trimmed()); never empty, never over the limit."""
    value = trimmed(value)
    if not value:
        errors[field] = f"The {label} cannot be empty."
    elif len(value) > limit:
        errors[field] = f"The {label} is {len(value)} characters long; the limit is {limit}."
    elif "\x00" in value:
        errors[field] = f"The {label} contains a NUL character, which cannot be stored."
    return value


def _text(errors: dict[str, str], field: str, label: str, value: str) -> None:
    """Kept exactly as written, but it must hold something besides whitespace."""
    if not trimmed(value):
        errors[field] = f"The {label} cannot be empty."
    elif "\x00" in value:
        errors[field] = f"The {label} contains a NUL character, which cannot be stored."


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def like_pattern(text: str) -> str:
    """A LIKE pattern finding `text` anywhere, with its wildcards taken literally; the
    queries compare lower(column) with lower(pattern), so the match ignores case.

    A filter holding a NUL character is refused: no stored text can hold one, PostgreSQL
    refuses it in a parameter, and SQLite would cut the pattern short at it (so "a\\0b"
    would list everything ending in "a").
    """
    if "\x00" in text:
        raise ValidationError.single(
            "filter", "The filter contains a NUL character, which no stored text can hold."
        )
    # Lower-cased by the database, like the column it is compared with: Python's idea of
    # lower case (Unicode-wide) and SQLite's (ASCII only) would otherwise disagree.
    escaped = trimmed(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
