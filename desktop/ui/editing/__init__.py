"""Selecting, creating, saving and deleting records (controller.py), with one handler per
kind of record (users.py, posts.py, comments.py) behind a common interface (handler.py)."""

from desktop.ui.editing.controller import Editing
from desktop.ui.editing.kinds import Kind

__all__ = ["Editing", "Kind"]
