"""The one definition of "trimmed" (desktop.store.validation.trimmed), used by the store and
the forms alike."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.store.validation import trimmed

INVISIBLE = "\xad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
PYTHON_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
SURROUNDING = PYTHON_WHITESPACE + INVISIBLE


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\x85\ufeffBOM\u200b\u200d", "BOM"),  # str.strip() gave '\ufeffBOM\u200b\u200d'
        ("  Ada\u00a0Lovelace \n", "Ada\u00a0Lovelace"),  # inside is untouched
        ("\u200bzero\u200bwidth\u200b", "zero\u200bwidth"),
        ("\u3000\u2028\u2029\x1f", ""),
        ("\u202eevil\u202c", "\u202eevil\u202c"),  # direction controls change the reading
        ("\u200f\u05e9\u05dc\u05d5\u05dd\u200e",) * 2,  # marks around Hebrew
        ("\u2764\ufe0f", "\u2764\ufe0f"),  # a variation selector belongs to its character
        ("e\u0301", "e\u0301"),
        ("\u3164", "\u3164"),  # the Hangul filler is a letter, not a space
    ],
)
def test_trimmed_removes_surrounding_whitespace_and_invisible_characters(text, expected):
    assert trimmed(text) == expected


@given(
    left=st.text(alphabet=SURROUNDING, max_size=4),
    core=st.text(),
    right=st.text(alphabet=SURROUNDING, max_size=4),
)
def test_trimmed_takes_only_what_surrounds_and_at_least_what_strip_takes(left, core, right):
    text = left + core + right
    result = trimmed(text)

    assert result == trimmed(core) and result in core  # the edges only, never the middle
    assert trimmed(result) == result
    assert len(result) <= len(text.strip())
    if result:
        assert result[0] not in SURROUNDING and result[-1] not in SURROUNDING


def test_property_tests_repeat_the_same_examples_under_ci():
    """tests/conftest.py loads the "ci" profile when CI is set: the examples are derived from
    each test's name, so every CI run tries the same ones and no failure is luck."""
    current = settings()  # the loaded profile
    under_ci = bool(os.environ.get("CI"))
    assert current.derandomize is under_ci
    assert (current.database is None) is under_ci
