"""The Qt user interface: widgets, item models and dialogs; no SQL here."""
