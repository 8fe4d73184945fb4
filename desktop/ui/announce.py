"""Words for screen readers to speak without moving the focus: "Saved the post.", "Users: 3
match the filter." A sighted person sees these appear (the status bar, a pane's count); an
announcement is how a person who cannot see them hears them (AT-SPI's Object:Announcement,
UI Automation's notification, VoiceOver's announcement; Qt 6.8 and newer)."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent


def announce(source: QObject, text: str, *, interrupt: bool = False) -> None:
    """Have `text` spoken, on behalf of the widget that shows it. `interrupt` cuts off what is
    being said (for what must be heard now); otherwise it waits its turn."""
    if not text:
        return
    event = QAccessibleAnnouncementEvent(source, text)
    if interrupt:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    QAccessible.updateAccessibility(event)
