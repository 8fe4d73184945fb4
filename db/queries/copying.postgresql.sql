-- Copying a whole database (PostgreSQL side; the other dialect's file defines the same
-- queries). Rows are read in id order, a batch at a time, with every timestamp as UTC
-- ISO-8601 text to the millisecond: the form SQLite stores and PostgreSQL reads.
--
-- A table's checksum is order-independent: every row becomes one canonical line (a number
-- followed by a comma, a text as its length in characters, a colon and the text itself, a
-- timestamp as whole milliseconds since 1970 (rounded down, as the batches' text has it)
-- or '-' when there is none; a semicolon ends the line). The rows are grouped by id into buckets
-- (id >> 9: 512 ids; posts, which may be large, id >> 6), a bucket's lines are joined in id
-- order and hashed with MD5, the hash is cut into two signed 64-bit integers, and each half
-- is summed over the buckets. Both dialects build the very same lines and buckets, so equal
-- data gives equal sums on either side; hashing buckets rather than rows spares SQLite a
-- Python call per row. Each bucket is read through the primary key on its own (as in
-- SQLite), rather than grouped: grouping sorts the whole table first, on disk beyond
-- work_mem. A timestamp is a number rather than text because SQLite computes the
-- number from its date parser alone, several times faster than formatting the text.

-- name: copy_users_batch(after, limit)
SELECT id, name, email, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM users WHERE id > :after ORDER BY id LIMIT :limit;

-- name: copy_posts_batch(after, limit)
SELECT id, user_id, title, content, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM posts WHERE id > :after ORDER BY id LIMIT :limit;

-- name: copy_comments_batch(after, limit)
SELECT id, post_id, body
FROM comments WHERE id > :after ORDER BY id LIMIT :limit;

-- name: copy_users_checksum()^
SELECT coalesce(sum(n), 0),
       coalesce(sum(('x' || left(h, 16))::bit(64)::bigint), 0)::text || ' '
       || coalesce(sum(('x' || right(h, 16))::bit(64)::bigint), 0)::text
FROM (SELECT DISTINCT id >> 9 AS bucket FROM users) AS ids,
     LATERAL (SELECT count(*) AS n, md5(convert_to(string_agg(
             id || ','
             || length(name) || ':' || name
             || length(email) || ':' || email
             || coalesce((CASE WHEN isfinite(created_at) THEN floor(extract(epoch FROM created_at) * 1000)::bigint END)::text, '-') || ';', '' ORDER BY id), 'UTF8')) AS h
      FROM users WHERE id >= bucket << 9 AND id < (bucket + 1) << 9) AS buckets;

-- name: copy_posts_checksum()^
SELECT coalesce(sum(n), 0),
       coalesce(sum(('x' || left(h, 16))::bit(64)::bigint), 0)::text || ' '
       || coalesce(sum(('x' || right(h, 16))::bit(64)::bigint), 0)::text
FROM (SELECT DISTINCT id >> 6 AS bucket FROM posts) AS ids,
     LATERAL (SELECT count(*) AS n, md5(convert_to(string_agg(
             id || ','
             || user_id || ','
             || length(title) || ':' || title
             || length(content) || ':' || content
             || coalesce((CASE WHEN isfinite(created_at) THEN floor(extract(epoch FROM created_at) * 1000)::bigint END)::text, '-') || ';', '' ORDER BY id), 'UTF8')) AS h
      FROM posts WHERE id >= bucket << 6 AND id < (bucket + 1) << 6) AS buckets;

-- name: copy_comments_checksum()^
SELECT coalesce(sum(n), 0),
       coalesce(sum(('x' || left(h, 16))::bit(64)::bigint), 0)::text || ' '
       || coalesce(sum(('x' || right(h, 16))::bit(64)::bigint), 0)::text
FROM (SELECT DISTINCT id >> 9 AS bucket FROM comments) AS ids,
     LATERAL (SELECT count(*) AS n, md5(convert_to(string_agg(
             id || ','
             || post_id || ','
             || length(body) || ':' || body || ';', '' ORDER BY id), 'UTF8')) AS h
      FROM comments WHERE id >= bucket << 9 AND id < (bucket + 1) << 9) AS buckets;

-- A timestamptz column holds only readable times.
-- name: copy_unreadable_times()^
SELECT 0, 0;
