-- What adopting a database needs to know of its schema, read from the catalogue of the
-- current schema alone (nothing here writes or locks beyond a read).

-- name: tables()
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
ORDER BY c.relname;

-- Views, and triggers on the tables: neither is part of what migration 001 makes.
-- name: other_objects()
SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, c.relname
FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger', t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
ORDER BY 1, 2;

-- The type as format_type writes it; attidentity is '' unless an identity column.
-- name: columns(table_name)
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '',
       EXISTS (SELECT FROM pg_constraint p
               WHERE p.conrelid = a.attrelid AND p.contype = 'p' AND p.conkey = ARRAY[a.attnum])
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = (SELECT c.oid FROM pg_class c
                    WHERE c.relnamespace = current_schema()::regnamespace
                      AND c.relname = :table_name)
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;

-- One row per single-column foreign key; confdeltype 'a' is NO ACTION (migration 001's).
-- name: foreign_keys(table_name)
SELECT a.attname, r.relname, ra.attname, co.confdeltype::text
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_class r ON r.oid = co.confrelid
JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
JOIN pg_attribute ra ON ra.attrelid = co.confrelid AND ra.attnum = co.confkey[1]
WHERE co.contype = 'f' AND c.relname = :table_name
  AND c.relnamespace = current_schema()::regnamespace;

-- Indexes with their key columns (an expression shows as its text); origin as SQLite names
-- it: 'pk' a primary key, 'u' a unique constraint, 'c' a CREATE INDEX.
-- name: indexes(table_name)
SELECT i.relname, ix.indisunique,
       CASE WHEN ix.indisprimary THEN 'pk'
            WHEN EXISTS (SELECT FROM pg_constraint co WHERE co.conindid = ix.indexrelid)
                 THEN 'u'
            ELSE 'c' END,
       ix.indpred IS NOT NULL,
       array(SELECT pg_get_indexdef(ix.indexrelid, k + 1, true)
             FROM generate_series(0, ix.indnkeyatts - 1) AS k ORDER BY k)
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
WHERE t.relname = :table_name AND t.relnamespace = current_schema()::regnamespace
ORDER BY i.relname;

-- Stored times a TIMESTAMP (without time zone) column holds: each becomes an instant.
-- name: count_users_times()$
SELECT count(created_at) FROM users;

-- name: count_posts_times()$
SELECT count(created_at) FROM posts;
