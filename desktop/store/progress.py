"""How long work says it has left, in the same words wherever it says it (the copy's
dialog, a migration's fill)."""

from __future__ import annotations


def time_left(seconds: float) -> str:
    """"about 40 s left" under a minute and a half, "about 3 min left" beyond."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"
