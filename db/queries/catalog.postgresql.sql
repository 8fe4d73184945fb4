-- What the database holds, read when it is opened. db/queries/catalog.sqlite.sql is the twin.

-- The tables of the schema the connection works in (not the system's).
-- name: table_names()
SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema();
