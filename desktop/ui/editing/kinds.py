"""The three kinds of record the window edits, in the order they depend on each other."""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    USER = "user"
    POST = "post"
    COMMENT = "comment"


ORDER = (Kind.USER, Kind.POST, Kind.COMMENT)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
