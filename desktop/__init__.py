"""Postdesk: users, their posts and the comments on them, in SQLite or PostgreSQL."""

# The one place the version is written (pyproject.toml reads it from here); a constant,
# since asking importlib.metadata costs a tenth of a second at every start.
__version__ = "0.1.0"
