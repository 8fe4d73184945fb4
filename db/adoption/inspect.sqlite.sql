-- What adopting a database needs to know of its schema, read from SQLite's catalogue alone
-- (nothing here writes, so a database that is refused stays byte-for-byte as it was).

-- name: tables()
SELECT name FROM sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY name;

-- Views and triggers: a rebuilt table would lose its triggers, so they are refused.
-- name: other_objects()
SELECT type, name FROM sqlite_master
WHERE type IN ('view', 'trigger')
ORDER BY type, name;

-- name: columns(table_name)
SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(:table_name);

-- name: foreign_keys(table_name)
SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(:table_name);

-- origin: 'c' made by CREATE INDEX, 'u' by UNIQUE, 'pk' by a PRIMARY KEY that is not the rowid.
-- name: indexes(table_name)
SELECT name, "unique", origin, partial FROM pragma_index_list(:table_name);

-- name: index_columns(index_name)
SELECT name FROM pragma_index_info(:index_name) ORDER BY seqno;

-- Stored times not already in the form the schema writes (2026-12-04T04:35:00.000Z):
-- CURRENT_TIMESTAMP's '2026-12-04 04:35:00', and anything else another program wrote.
-- name: user_times_to_convert()
SELECT id, created_at FROM users
WHERE created_at IS NOT NULL
  AND NOT (typeof(created_at) = 'text' AND created_at GLOB
      '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z');

-- name: post_times_to_convert()
SELECT id, created_at FROM posts
WHERE created_at IS NOT NULL
  AND NOT (typeof(created_at) = 'text' AND created_at GLOB
      '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z');
