-- What the database holds, read when it is opened. db/queries/catalog.postgresql.sql is the
-- twin.

-- The tables of the file (not SQLite's own).
-- name: table_names()
SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%';

-- A read waits for no writer in a WAL file, and nothing else SQLite has is a lock wait
-- limited per statement: nothing to set (the twin of catalog.postgresql.sql's).
-- name: limit_lock_wait(ms)$
SELECT CAST(:ms AS TEXT);
