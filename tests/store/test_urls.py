"""Database addresses: how people write them, how they are shown, and that secrets stay hidden."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from desktop.store.errors import ConnectionFailedError
from desktop.store.urls import DatabaseUrl, conninfo_parts, parse_url

# -- SQLite -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, target",
    [
        ("/var/lib/postdesk/app.sqlite3", "/var/lib/postdesk/app.sqlite3"),
        ("  /tmp/with spaces/app.db  ", "/tmp/with spaces/app.db"),
        ("data/app.sqlite3", "data/app.sqlite3"),
        ("app.sqlite3", "app.sqlite3"),
        ("sqlite:///data/app.sqlite3", "data/app.sqlite3"),
        ("sqlite:////var/lib/app.sqlite3", "/var/lib/app.sqlite3"),
        ("sqlite:////tmp/with%20space/a.db", "/tmp/with space/a.db"),
    ],
)
def test_sqlite_addresses(text, target):
    url = parse_url(text)
    assert url == DatabaseUrl("sqlite", target)
    assert url.path == Path(target)
    assert url.display() == target
    assert url.redacted() == target


def test_a_home_path_is_expanded():
    url = parse_url("~/postdesk.sqlite3")
    assert url.dialect == "sqlite"
    assert url.path == Path.home() / "postdesk.sqlite3"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "No database given."),
        ("   ", "No database given."),
        ("sqlite://app.db", "three slashes"),
        ("mysql://root@localhost/app", "Unknown kind of database address: mysql://"),
        ("http://example.com/db", "Unknown kind of database address: http://"),
    ],
)
def test_addresses_that_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_url(text)


def test_only_a_sqlite_address_has_a_path():
    with pytest.raises(ValueError):
        _ = parse_url("postgresql://localhost/app").path


# -- PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, shown",
    [
        ("postgresql://ann@db.example.com/app", "ann@db.example.com:5432/app"),
        ("postgres://ann@db.example.com:5433/app", "ann@db.example.com:5433/app"),
        ("postgresql://ann:s3cret@db.example.com:5433/app", "ann@db.example.com:5433/app"),
        ("postgresql://localhost", "localhost:5432/"),
        ("postgresql:///app?host=/var/run/postgresql", "/var/run/postgresql:5432/app"),
        ("postgresql://an%40n:pa%3Ass@h/my%20db", "an@n@h:5432/my db"),
        ("host=db.example.com dbname=app user=ann", "ann@db.example.com:5432/app"),
        ("dbname=app", "localhost:5432/app"),
        ("user=ann password=s3cret", "ann@localhost:5432/ann"),
        ("host = db port = 5433 dbname = app", "db:5433/app"),
        ("service=prod", "service=prod"),
        ("sslmode=require host=db dbname=app", "db:5432/app"),
        ("hostaddr=10.0.0.5 dbname=app", "10.0.0.5:5432/app"),
        ("port=5433 host=db dbname=app", "db:5433/app"),
        # libpq takes its keywords in any order: not only the few above may come first.
        ("connect_timeout=5 host=db dbname=app", "db:5432/app"),
        ("application_name=report host=db dbname=app user=ann", "ann@db:5432/app"),
    ],
)
def test_postgresql_addresses(text, shown):
    url = parse_url(text)
    assert url.dialect == "postgresql"
    assert url.target == text.strip()  # handed to libpq exactly as written
    assert url.display() == shown


def test_a_path_with_an_equals_sign_is_still_a_file():
    assert parse_url("backups/a=b.sqlite3").dialect == "sqlite"
    assert parse_url("/tmp/key=value").dialect == "sqlite"


SECRET_ADDRESSES = [
    "postgresql://ann:s3cret@db.example.com/app",
    "postgresql://ann:s3cret@db.example.com:5433/app?sslmode=require",
    "postgresql://ann@db.example.com/app?password=s3cret",
    "postgresql://:s3cret@db.example.com/app",
    "host=db.example.com user=ann password=s3cret dbname=app",
    "host=db.example.com user=ann password='s3cret with spaces' dbname=app",
    "host=db.example.com password = s3cret",
    "postgresql://ann@db.example.com/app?sslpassword=s3cret",
    "host=db.example.com sslpassword=s3cret sslkey=/home/ann/key.pem",
]


@pytest.mark.parametrize("text", SECRET_ADDRESSES)
def test_passwords_are_never_shown_or_kept(text):
    url = parse_url(text)
    assert "s3cret" not in url.display()
    assert "s3cret" not in url.redacted()
    assert "password" not in url.redacted()
    assert "db.example.com" in url.display()


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://ann:s3cret@db.example.com:5433/app?sslmode=require&connect_timeout=3",
        "host=db.example.com port=5433 user=ann password=s3cret dbname='my app'",
        "host=db user='o\\'brien' dbname='back\\\\slash' password=x",
        "postgresql://user%20name@h/db%27name",
    ],
)
def test_redacted_is_the_same_address_without_the_password(text):
    expected = {k: v for k, v in conninfo_to_dict(text).items() if k != "password"}
    assert conninfo_to_dict(parse_url(text).redacted()) == expected


@settings(max_examples=200, deadline=None)
@given(
    password=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20
    ).map(lambda s: "Pw~" + s),
    user=st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
)
def test_no_password_shows_whatever_it_holds(password, user):
    quoted = "'" + password.replace("\\", "\\\\").replace("'", "\\'") + "'"
    for text in (
        f"postgresql://{user}:{quote(password, safe='')}@db.example.com/app",
        f"host=db.example.com user={user} password={quoted} dbname=app",
        f"postgresql://{user}@db.example.com/app?password={quote(password, safe='')}",
    ):
        url = parse_url(text)
        assert conninfo_parts(text)["password"] == password
        assert password not in url.display()
        assert password not in url.redacted()
        assert conninfo_to_dict(url.redacted()) == {
            "host": "db.example.com",
            "user": user,
            "dbname": "app",
        }


def test_a_bad_port_is_a_plain_connection_error():
    """A typo in the port must not surface as a bare ValueError from urllib."""
    from desktop.store.connection import connect

    for text in ("postgresql://ann:s3cret@127.0.0.1:54x2/app", "postgresql://127.0.0.1:99999/app"):
        url = parse_url(text)
        assert "s3cret" not in url.display()
        with pytest.raises(ConnectionFailedError) as failed:
            connect(url)
        assert "s3cret" not in str(failed.value)


# -- addresses libpq cannot read ------------------------------------------------------------------

# Each holds a password, or could be read as holding one; none names a host but 127.0.0.1.
MALFORMED = [
    ("postgres://::::", "the port must be a number"),
    ("postgresql://ann:Qz%ss@127.0.0.1/app", "two hexadecimal digits"),
    ("postgresql://ann:Qz%zz w@127.0.0.1:1/app", "two hexadecimal digits"),
    ("postgresql://ann:QzSecret@[::1/app", "host part cannot be read"),
    ("postgresql://ann:QzSecret@127.0.0.1:5x32/app", "the port must be a number"),
    ("postgresql://ann:QzSecret@127.0.0.1:99999/app", "the port must be a number"),
    ("postgresql://ann@127.0.0.1/app?port=abc&password=QzSecret", "the port must be a number"),
    ("host=127.0.0.1 password=Qz1 Qz2 Qz3 dbname=app", "key=value"),
    ("host=127.0.0.1 password='QzSecret dbname=app", "single quotes is not closed"),
    ("host=127.0.0.1 port=QzSecret dbname=app", "the port must be a number"),
]


@pytest.mark.parametrize("text, reason", MALFORMED)
def test_a_malformed_server_address_is_refused_in_our_own_words(text, reason):
    from desktop.store.connection import connect

    url = parse_url(text)
    with pytest.raises(ConnectionFailedError) as failed:
        connect(url)

    message = str(failed.value)
    assert message.startswith("This server address is not valid: ")
    assert reason in message
    for shown in (message, url.display()):
        assert "localhost" not in shown  # a host nobody gave
        for fragment in ("Qz", "%ss", "%zz", ":::"):
            assert fragment not in shown, (fragment, shown)


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://127.0.0.1/app",
        "postgresql://ann:pa%25ss@[::1]:5433/app?sslmode=require",
        "postgresql://h1:5432,h2:5433/app",
        "host=db user=o'brien dbname='my app' password='a\\'b c'",
        "dbname=app port=5432,5433",
    ],
)
def test_well_formed_addresses_are_not_refused(text):
    from desktop.store.urls import address_problem

    assert address_problem(text) is None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_no_host_given_is_not_called_localhost():
    """Without a host libpq goes to the local socket: the message must not name a host."""
    from desktop.store.connection import connect

    with pytest.raises(ConnectionFailedError) as failed:
        connect(f"dbname=app port={free_port()} password='pw %zz'")
    message = str(failed.value)
    assert "localhost" not in message
    assert "the local server" in message
    assert "%zz" not in message


@pytest.mark.postgres
def test_a_password_holding_percent_never_reaches_a_message(pg_admin_url):
    """A well-encoded password with % in it, on the real server: refused for another
    reason (no such database), and the message holds no part of the password."""
    from desktop.store.connection import connect

    parts = conninfo_parts(pg_admin_url)
    host, port = parts.get("host", "127.0.0.1"), parts.get("port", "5432")
    password = "p%25zz%20w%40rd"  # p%zz w@rd, encoded
    text = f"postgresql://{parts.get('user', 'postgres')}:{password}@{host}:{port}/no_such_db_x"
    with pytest.raises(ConnectionFailedError) as failed:
        connect(text)
    message = str(failed.value)
    assert message.startswith("There is no database named 'no_such_db_x'")
    for fragment in ("p%zz", "w@rd", "%25", "zz"):
        assert fragment not in message


def test_a_password_made_of_common_words_does_not_garble_the_message():
    """The password is taken out of what is shown, not out of what is read."""
    from desktop.store.connection import connect

    port = free_port()
    with pytest.raises(ConnectionFailedError) as failed:
        connect(f"host=127.0.0.1 port={port} dbname=app password=on")
    assert str(failed.value).startswith(f"Nothing answers at 127.0.0.1:{port}")
