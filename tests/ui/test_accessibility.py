"""What a screen reader is told, read from the AT-SPI tree of the real window.

The window runs in its own process under a virtual X screen, on a private D-Bus with the
AT-SPI registry (tests/support/atspi.py), and the test asks the questions a screen reader
asks over that bus: never the widgets' Python attributes, which can say one thing while the
bridge exposes another (Qt describes an edit by its placeholder unless told otherwise).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from desktop import paths
from tests.support.a11y_app import USER
from tests.support.atspi import (
    FOCUSABLE,
    READ_ONLY,
    AccessibilityBus,
    Node,
    Reader,
    missing_programs,
)
from tests.support.x_screen import ROOT, XScreen

APP_TIMEOUT = 30


def _install_or_skip() -> None:
    """Install what is missing (as root, as `make test` would); skip without it, with the
    reason shown, except under CI, where these tests must run."""
    if missing_programs() and os.geteuid() == 0:
        subprocess.run(["sh", str(ROOT / ".ci/system-packages"), "window", "a11y"], check=False)
    missing = missing_programs()
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI cannot run the accessibility tests: missing {', '.join(missing)}")
    if missing:
        pytest.skip(f"needs {', '.join(missing)}: sh .ci/system-packages window a11y (as root)")


@dataclass
class RunningApp:
    reader: Reader
    root: Node
    process: subprocess.Popen[str]

    def command(self, line: str) -> None:
        """Have the app do something; returns once it has."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "done"

    def named(self, name: str, role: str | None = None) -> Node:
        return self.root.find(lambda node: node.name == name and role in (None, node.role))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    _install_or_skip()
    folder = tmp_path_factory.mktemp("a11y")
    log = folder / "app.log"  # what the app said, for when a test here fails
    with XScreen() as screen, AccessibilityBus() as bus, log.open("w") as said:
        reader = bus.reader()
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.a11y_app", str(folder)],
            env=bus.env(screen.env(dict(os.environ))), cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=said,
        )
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
            yield RunningApp(reader, reader.wait_for_application(), process)
        finally:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()  # the app quits when its input ends
            try:
                process.wait(timeout=APP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
            reader.close()


def demo_people() -> list[tuple[str, str]]:
    users = json.loads((paths.seeds_dir() / "demo.json").read_text())["users"]
    return [(user["name"], user["email"]) for user in users]


def test_no_description_speaks_another_persons_data(app: RunningApp) -> None:
    name = app.named("User name", "text")
    assert name.text == USER
    assert name.description == "First and last name"
    data = [value for person in demo_people() for value in person]
    described = {
        node.name: node.description for node in app.root.walk() if node.role == "text"
    }
    spoken = [(field, said) for field, said in described.items() if said in data]
    assert spoken == [], "a field is described by someone's data"
    assert described["User email"] == "An address like name@example.com"


def test_post_author_and_created_are_focusable_read_only_fields(app: RunningApp) -> None:
    fields = (("Post author", "Author:", USER), ("Post created", "Created:", ""))
    for name, caption, value in fields:
        field = app.named(name)
        assert field.role == "text", f"{name} is a {field.role}, which Tab never reaches"
        assert {FOCUSABLE, READ_ONLY} <= field.states
        assert field.text == value if value else field.text.strip()
        assert field.labels() == [caption]


def test_table_cells_are_read_with_their_column_headers(app: RunningApp) -> None:
    users = app.named("Users", "table")
    assert users.column_headers() == ["Name", "Email", "Posts"]
    email = dict(demo_people())[USER]
    cell = users.find(lambda node: node.role == "cell" and node.name.endswith(email))
    assert cell.name == f"Email: {email}"
    assert cell.cell_headers() == ["Email"]


def test_saving_and_filtering_are_announced(app: RunningApp) -> None:
    app.reader.listen_for("Object:Announcement", app.root)
    heard = app.reader.announcements(lambda: app.command("save-post"), "Saved the post.")
    assert heard[-1] == "Saved the post."
    app.reader.announcements(lambda: app.command("filter grace"), "Users: 1 matches the filter.")
    heard = app.reader.announcements(lambda: app.command("filter"), "Users: 6 in all.")
    assert heard[-1] == "Users: 6 in all."

