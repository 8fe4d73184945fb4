"""What the app remembers between launches (QSettings): window layout, the last database
and the recent ones, each list's order. Addresses are stored without passwords."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from desktop.store.records import Order
from desktop.store.urls import DatabaseUrl

MAX_RECENT = 8


def _encode(url: DatabaseUrl) -> str:
    return f"{url.dialect}|{url.redacted()}"


def _decode(text: object) -> DatabaseUrl | None:
    if not isinstance(text, str) or "|" not in text:
        return None
    dialect, target = text.split("|", 1)
    if dialect == "sqlite":
        return DatabaseUrl("sqlite", target)
    if dialect == "postgresql":
        return DatabaseUrl("postgresql", target)
    return None


class Settings:
    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings()

    def last_database(self) -> DatabaseUrl | None:
        return _decode(self.store.value("database/last"))

    def remember_database(self, url: DatabaseUrl) -> None:
        """Make `url` the last database and the first of the recent ones."""
        encoded = _encode(url)
        self.store.setValue("database/last", encoded)
        recent = [_encode(other) for other in self.recent() if other.identity() != url.identity()]
        self.store.setValue("database/recent", [encoded, *recent][:MAX_RECENT])
        self.store.sync()

    def recent(self) -> list[DatabaseUrl]:
        """Newest first, each database once (however its address was written)."""
        unique: dict[str, DatabaseUrl] = {}
        for url in map(_decode, self._recent_encoded()):
            if url is not None:
                unique.setdefault(url.identity(), url)
        return list(unique.values())

    def clear_recent(self) -> None:
        self.store.remove("database/recent")
        self.store.sync()

    def _recent_encoded(self) -> list[str]:
        value = self.store.value("database/recent", [])
        if isinstance(value, str):  # QSettings gives a lone entry back as a string
            return [value]
        return [str(entry) for entry in value] if isinstance(value, list) else []

    def list_order(self, list_name: str) -> Order | None:
        """The order last chosen for a list ("users", "posts", "comments"), if any."""
        value = self.store.value(f"sort/{list_name}")
        if not isinstance(value, str) or " " not in value:
            return None
        key, way = value.split(" ", 1)
        return Order(key, way == "descending") if way in ("ascending", "descending") else None

    def remember_list_order(self, list_name: str, order: Order) -> None:
        way = "descending" if order.descending else "ascending"
        # No sync(): writing the file costs a click a frame; Qt writes it from the event loop
        # soon after, and at quit.
        self.store.setValue(f"sort/{list_name}", f"{order.key} {way}")

    def bytes_value(self, key: str) -> QByteArray | None:
        value = self.store.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_value(self, key: str, value: object) -> None:
        self.store.setValue(key, value)
