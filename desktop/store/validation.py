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
    """Trimmed of surrounding whitespace; never empty, never over the limit."""
    value = value.strip()
    if not value:
        errors[field] = f"The {label} cannot be empty."
    elif len(value) > limit:
        errors[field] = f"The {label} is {len(value)} characters long; the limit is {limit}."
    elif "\x00" in value:
        errors[field] = f"The {label} contains a NUL character, which cannot be stored."
    return value


def _text(errors: dict[str, str], field: str, label: str, value: str) -> None:
    """Kept exactly as written, but it must hold something besides whitespace."""
    if not value.strip():
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
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
