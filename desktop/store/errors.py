"""The one error hierarchy of the data layer; every message is meant for a person."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.store.records import DeleteReport


class StoreError(Exception):
    """Anything the data layer reports; str() is a plain-words sentence."""


class ValidationError(StoreError):
    """One or more fields hold values the store will not save."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__(" ".join(self.errors.values()))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls({field: message})


class NotFoundError(StoreError):
    """The record asked for does not exist (any more)."""

    def __init__(self, kind: str, record_id: int) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"The {kind} #{record_id} does not exist; it may have been deleted.")


class HasChildrenError(StoreError):
    """A delete would take other records with it and the caller did not ask for that."""

    def __init__(self, message: str, posts: int, comments: int) -> None:
        self.posts = posts
        self.comments = comments
        super().__init__(message)


class ConflictError(StoreError):
    """The stored record changed since it was read."""


class ConnectionFailedError(StoreError):
    """The database could not be opened or reached."""


class PasswordNeededError(ConnectionFailedError):
    """The server asks for a password and none was given (or remembered). `server` and
    `role` name what it is asked for, for the question to the person."""

    def __init__(self, message: str, server: str, role: str) -> None:
        self.server = server
        self.role = role
        super().__init__(message)


class PasswordRefusedError(PasswordNeededError):
    """The server refused the password; `remembered`: it came from the system keychain."""

    def __init__(self, message: str, server: str, role: str, *, remembered: bool) -> None:
        self.remembered = remembered
        super().__init__(message, server, role)


class ConnectionLostError(ConnectionFailedError):
    """An open connection to the server broke."""


class TimedOutError(StoreError):
    """Waiting on the database took too long, so the statement was given up; nothing was
    changed, and the connection is still good."""


class BusyError(TimedOutError):
    """Another connection holds a lock this statement needs; trying again later may work."""


class RecordLockedError(BusyError):
    """Another session holds a lock on a record this change needs (it is changing that
    record and has not finished), and the lock wait ran out. `kind` names the record."""

    def __init__(self, kind: str = "record") -> None:
        self.kind = kind
        super().__init__(f"Someone else is changing this {kind} right now; try again in a moment.")

    def about(self, kind: str) -> RecordLockedError:
        """The same error, naming the kind of record the caller was changing."""
        return RecordLockedError(kind)


class StatementTimeoutError(TimedOutError):
    """The server gave up on a statement that ran longer than it allows."""


class TransientConflictError(StoreError):
    """The database undid this transaction because it collided with another one running at
    the same moment (a deadlock, a serialization failure). Nothing was changed; the same
    transaction tried again is expected to succeed."""


class MigrationError(StoreError):
    """Migrations could not be applied; the database is left as it was."""


class MigrationFilesError(MigrationError):
    """The migration files themselves are inconsistent (naming, duplicates, missing dialect)."""


class MigrationCancelledError(MigrationError):
    """The person stopped waiting; nothing of the pending migration was applied."""


class MigrationNotAllowedError(MigrationError):
    """Migrations are pending and the connected role (or a read-only file) cannot apply them;
    found before any was started, so nothing changed."""


class MigrationLockTimeoutError(MigrationError):
    """Another process held the migration lock for longer than the runner waits."""

    def __init__(self, waited_s: float) -> None:
        self.waited_s = waited_s
        super().__init__(
            "Another Postdesk is updating this database and has not finished after "
            f"{round(waited_s)} seconds; nothing was changed. Try again in a few minutes."
        )


class SchemaTooNewError(MigrationError):
    """The database was migrated by a newer version of the app."""

    def __init__(self, version: str) -> None:
        self.version = version
        super().__init__(
            f"This database has schema version {version}, which this version of Postdesk "
            "does not know: it was updated by a newer Postdesk. Update the app to open it."
        )


class ChecksumMismatchError(MigrationError):
    """An applied migration's file changed after it was applied."""

    def __init__(self, version: str, name: str) -> None:
        self.version = version
        super().__init__(
            f"Migration {version} ({name}) was changed after it was applied to this database; "
            "restore the original file or add a new migration instead of editing it."
        )


class StorageError(StoreError):
    """The storage refused to keep the data: disk full, read-only, I/O error."""


class StaleRecordError(ConflictError):
    """The record was changed by someone else since it was read; `current` is what is stored."""

    def __init__(self, kind: str, current: Any) -> None:
        self.kind = kind
        self.current: Any = current  # a User, Post or Comment
        super().__init__(
            f"This {kind} was changed by someone else after you opened it; nothing was overwritten."
        )


class DeleteChangedError(StoreError):
    """What a delete would take with it changed since the person was asked: nothing was
    deleted. `current` is what it would take now; ask again with it."""

    def __init__(self, message: str, current: DeleteReport) -> None:
        self.current = current
        super().__init__(message)
