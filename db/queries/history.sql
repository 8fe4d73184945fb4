-- The migration history: one row per applied migration. Times are UTC ISO-8601 text so
-- that the same statements serve both backends.

-- name: create_history_table()!
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    applied_at  TEXT NOT NULL,
    duration_ms INTEGER NOT NULL
);

-- name: applied_migrations()
SELECT version, name, checksum, applied_at, duration_ms
FROM schema_migrations
ORDER BY version;

-- name: record_migration(version, name, checksum, applied_at, duration_ms)!
INSERT INTO schema_migrations (version, name, checksum, applied_at, duration_ms)
VALUES (:version, :name, :checksum, :applied_at, :duration_ms);
