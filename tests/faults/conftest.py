"""The fault suite: each scenario creates a fault for real and proves nothing was lost.

Every scenario test is marked `@pytest.mark.fault` (or `pytestmark = pytest.mark.fault`)
and records, through the `ledger` fixture, the rows it expected to survive and the rows it
found afterwards:

    ledger.check_rows(expected, found, "posts")     # records both, then asserts they match
    ledger.expect_rows(5, "users"); ...; ledger.found_rows(count, "users")

A fault test that passes without recording anything fails at teardown: a scenario must say
what it checked. When the session ends, one line sums it up:

    faults: N scenarios (Q on PostgreSQL), P passed, L rows lost

N counts the fault tests that ran (skipped ones are left out; pytest lists them with their
reasons; an expected failure, a known defect awaiting its fix, counts as run, not passed),
P those that passed, and L adds up, over every check of every scenario that ran,
the rows expected but not found (rows expected by a test that never got to count them are
lost too). Q counts the scenarios among N that ran against the PostgreSQL server.

The window fixtures of tests/ui/conftest.py (`desk`, `make_desk`, `answers`, ...) are
available here as well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

import pytest

from tests.conftest import SERVER_USE

# The window fixtures, for the scenarios driven through the main window.
from tests.ui.conftest import (  # noqa: F401 - fixtures are found by name
    answers,
    desk,
    make_desk,
    seeded_url,
    settings,
    settings_path,
)

FAULT = "fault"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{FAULT}: a fault-suite scenario; counted in the closing 'faults:' line",
    )
    global _tally
    _tally = Tally()


class Ledger:
    """What one scenario expected to find, and found, keyed by what was counted."""

    def __init__(self) -> None:
        self.expected: Counter[str] = Counter()
        self.found: Counter[str] = Counter()

    def expect_rows(self, count: int, what: str = "rows") -> None:
        """`count` rows of `what` must still be there at the end."""
        self.expected[what] += count

    def found_rows(self, count: int, what: str = "rows") -> None:
        """`count` rows of `what` were found."""
        self.found[what] += count

    def check_rows(self, expected: int, found: int, what: str = "rows") -> None:
        """Record both counts, then fail unless they are equal (more than expected is a
        duplicate, fewer is a loss)."""
        self.expect_rows(expected, what)
        self.found_rows(found, what)
        assert found == expected, f"{what}: expected {expected} rows, found {found}"

    @property
    def recorded(self) -> bool:
        return bool(self.expected or self.found)

    @property
    def lost(self) -> int:
        return sum(max(0, self.expected[what] - self.found[what]) for what in self.expected)


@dataclass
class Tally:
    """The session's fault scenarios: which tests they are, outcome and rows lost of each."""

    scenarios: set[str] = field(default_factory=set)
    outcomes: dict[str, str] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)

    def record(self, report: pytest.TestReport) -> None:
        test = report.nodeid
        if report.failed:
            self.outcomes[test] = "failed"
        elif hasattr(report, "wasxfail"):
            self.outcomes[test] = "xfailed"  # it ran and shows a known defect: not passed
        elif test in self.outcomes:
            return
        elif report.skipped:
            self.outcomes[test] = "skipped"
        elif report.when == "call":
            self.outcomes[test] = "passed"

    def summary(self) -> str | None:
        ran = {test: outcome for test, outcome in self.outcomes.items() if outcome != "skipped"}
        if not ran:
            return None
        passed = sum(outcome == "passed" for outcome in ran.values())
        lost = sum(self.lost.get(test, 0) for test in ran)
        on_server = sum(SERVER_USE.ran(test) for test in ran)
        return (
            f"faults: {len(ran)} scenarios ({on_server} on PostgreSQL), {passed} passed, "
            f"{lost} rows lost"
        )


_tally = Tally()  # this session's; made anew by pytest_configure
_CALL_PASSED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _tally.scenarios.update(item.nodeid for item in items if item.get_closest_marker(FAULT))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid in _tally.scenarios:
        _tally.record(report)


@pytest.fixture(autouse=True)
def ledger(request: pytest.FixtureRequest) -> Iterator[Ledger]:
    """The scenario's record of rows expected and found (see the module docstring)."""
    book = Ledger()
    yield book
    if request.node.get_closest_marker(FAULT) is None:
        return
    _tally.lost[request.node.nodeid] = book.lost
    if request.node.stash.get(_CALL_PASSED, False) and not book.recorded:
        pytest.fail(
            "a fault scenario must record what it checked (ledger.check_rows, or "
            "ledger.expect_rows and ledger.found_rows)",
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    line = _tally.summary()
    if line is not None:
        terminalreporter.write_line(line)
