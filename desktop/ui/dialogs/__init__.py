"""Dialogs of the main window: connect to a server, confirm a delete, about."""
