"""The data layer: plain Python over sqlite3 and psycopg, no Qt."""
