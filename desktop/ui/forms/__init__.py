"""One editor per record type."""
