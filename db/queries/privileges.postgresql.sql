-- What the connected role may do, read once when a database is opened (desktop/store/
-- privileges.py). A team's server often gives the application a role that may only read,
-- or only read and write rows: such a role gets the database read-only, or is told before
-- any migration starts why it cannot apply one. db/queries/privileges.sqlite.sql is the twin.

-- The privileges on the app's tables that the role lacks, the one to name first first:
-- UPDATE (changing what is shown), then INSERT, then DELETE. No rows: it may write.
-- A table not made yet is skipped (has_table_privilege of a NULL is NULL).
-- name: missing_write_privileges()
SELECT current_user::text, wanted.privilege, wanted.table_name
FROM (VALUES (1, 'UPDATE', 'users'), (2, 'UPDATE', 'posts'), (3, 'UPDATE', 'comments'),
             (4, 'INSERT', 'users'), (5, 'INSERT', 'posts'), (6, 'INSERT', 'comments'),
             (7, 'DELETE', 'users'), (8, 'DELETE', 'posts'), (9, 'DELETE', 'comments'))
     AS wanted (rank, privilege, table_name)
WHERE NOT has_table_privilege(current_user, to_regclass(wanted.table_name), wanted.privilege)
ORDER BY wanted.rank;

-- What applying a migration needs: CREATE on the schema (new tables, functions), and
-- owning the app's tables that exist (ALTER TABLE, CREATE INDEX, triggers), directly or
-- through a role it inherits from. Returns the role, the schema, whether it may create
-- there, and the app's tables it does not own, comma-separated ('' for none).
-- name: migration_rights()^
SELECT current_user::text, coalesce(current_schema()::text, ''),
       coalesce(has_schema_privilege(current_user, current_schema(), 'CREATE'), false),
       coalesce(string_agg(c.relname::text, ', ' ORDER BY c.relname)
                FILTER (WHERE NOT pg_has_role(current_user, c.relowner, 'USAGE')), '')
FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace
  AND c.relkind IN ('r', 'p')
  AND c.relname IN ('users', 'posts', 'comments', 'schema_migrations');
