"""Postdesk: users, their posts and the comments on them, in SQLite or PostgreSQL."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("postdesk")
except PackageNotFoundError:  # a bundle without the package metadata
    __version__ = "0.1.0"
