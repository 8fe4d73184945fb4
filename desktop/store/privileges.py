"""What the connected role may do with an open database: write rows, apply migrations.

A team's server gives an application a role with only the rights it needs: SELECT alone
for someone who reads, or SELECT, INSERT, UPDATE and DELETE on the rows without CREATE on
the schema (PostgreSQL 15 grants CREATE on `public` to nobody but its owner). Opening a
database whose schema is current needs neither DDL nor a lock, so such roles open it; one
that cannot write rows gets it read-only with the reason in one sentence; one that cannot
apply a pending migration is told so, with the versions and what it lacks, before any
migration starts. Each check is one query (db/queries/privileges.*.sql); the first is read
with the rest of an open's checks (Backend.survey).
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.store.backend import Backend, Survey
from desktop.store.errors import MigrationNotAllowedError

READ_ONLY = "You can read this database but not change it"
APP_TABLES = ("users", "posts", "comments")


def read_only_reason(backend: Backend, survey: Survey | None = None) -> str | None:
    """Why this connection may only read, in one sentence; None when it may write rows.
    With `survey` (read since the last migration), from what it found, without reading."""
    if backend.read_only:
        return f"{READ_ONLY}: the file {backend.url.target} is read-only."
    if survey is not None:
        missing = survey.missing_privileges
    else:
        with backend.reading():
            missing = backend.queries.missing_write_privileges(backend.conn)
    if not missing:
        return None
    role, privilege, _table = missing[0]
    tables = [table for _role, lacked, table in missing if lacked == privilege]
    # Lacking it on every table is the usual case (a reading role): the tables add nothing.
    where = "" if len(tables) == len(APP_TABLES) else f" on {_listed(tables)}"
    return f"{READ_ONLY}: role {role} has no {privilege} permission{where}."


def check_can_migrate(backend: Backend, pending: Sequence[str]) -> None:
    """Refuse (MigrationNotAllowedError), naming the `pending` versions and what is missing,
    when this connection could not apply them; reads only, so nothing is half-done."""
    if not pending:
        return
    needs = f"This database needs {_updates(pending)}"
    if backend.read_only:
        raise MigrationNotAllowedError(
            f"{needs}, and the file {backend.url.target} is read-only; make it writable, "
            "or ask its owner to run `postdesk migrate`."
        )
    with backend.reading():
        role, schema, may_create, not_owned = backend.queries.migration_rights(backend.conn)
    lacks = []
    if not may_create:
        lacks.append(f"cannot create tables in schema {schema}")
    if not_owned:
        lacks.append(f"does not own its tables {_listed(not_owned.split(', '))}")
    if lacks:
        raise MigrationNotAllowedError(
            f"{needs}, and role {role} {' and '.join(lacks)}; "
            "ask its owner to run `postdesk migrate`."
        )


def _updates(versions: Sequence[str]) -> str:
    return f"update {versions[0]}" if len(versions) == 1 else f"updates {_listed(versions)}"


def _listed(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
