-- What the database holds, read when it is opened. db/queries/catalog.postgresql.sql is the
-- twin.

-- The tables of the file (not SQLite's own).
-- name: table_names()
SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%';
