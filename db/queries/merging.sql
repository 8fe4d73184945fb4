-- Merging one database into another (desktop/store/merging.py). The dialect files
-- merging.sqlite.sql and merging.postgresql.sql hold what differs (JSON, timestamps).

-- This database's identity, made once by migration 007: what a destination knows it by.
-- name: database_identity()$
SELECT identity FROM database_identity WHERE id = 1;

-- The posts already received from a source: their id there, and their id here (NULL when
-- the post has been deleted here since: it is not brought back, nor are new comments on it).
-- name: merge_received_posts(source)
SELECT r.source_id, p.id
FROM merge_receipts r LEFT JOIN posts p ON p.id = r.destination_id
WHERE r.source = :source AND r.table_name = 'posts';

-- The ids there of the comments already received from a source.
-- name: merge_received_comments(source)
SELECT source_id FROM merge_receipts WHERE source = :source AND table_name = 'comments';

-- A matched user's name, when the person chose the source's.
-- name: merge_take_name(id, name)!
UPDATE users SET name = :name WHERE id = :id;

-- Read on the source: the rows it received from a database (the destination of this merge),
-- as (its id here, its id there). Those rows are the destination's own, already there.
-- name: merge_received_from(source, table_name)
SELECT destination_id, source_id FROM merge_receipts
WHERE source = :source AND table_name = :table_name;
