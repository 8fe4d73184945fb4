-- The twins of db/queries/privileges.postgresql.sql. SQLite has no roles: whoever may write
-- the file may do everything, and a file that may only be read is opened read-only by the
-- backend itself (Backend.read_only). These answer as a role holding every privilege does.

-- name: missing_write_privileges()
SELECT 'main' AS role, 'UPDATE' AS privilege, 'users' AS table_name WHERE 0;

-- name: migration_rights()^
SELECT 'main', 'main', 1, '';
