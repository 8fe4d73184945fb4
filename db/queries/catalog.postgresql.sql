-- What the database holds, read when it is opened. db/queries/catalog.sqlite.sql is the twin.

-- The tables of the schema the connection works in (not the system's).
-- name: table_names()
SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema();

-- Until the end of the transaction (a pipeline's statements up to its end are one): wait at
-- most `ms` for a table lock. The first rows read with an open's checks use it: a migration
-- under way in another session holds its tables for as long as it runs, and the open should
-- then wait for it with a word on screen (MigrationRunner), not silently in a read.
-- name: limit_lock_wait(ms)$
SELECT set_config('lock_timeout', CAST(:ms AS TEXT), true);
