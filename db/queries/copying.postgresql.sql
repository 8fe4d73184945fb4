-- Copying a whole database (PostgreSQL side; the other dialect's file defines the same
-- queries). Rows are read in id order, a batch at a time, with every timestamp as UTC
-- ISO-8601 text to the millisecond: the form SQLite stores and PostgreSQL reads.
--
-- A table's checksum is order-independent: every row becomes one canonical line (a number
-- followed by a comma, a text as its length in characters, a colon and the text itself, a
-- timestamp as above or '-' when there is none), the line's MD5 is cut into two signed
-- 64-bit integers, and each half is summed over the table. Both dialects build the very
-- same line, so equal data gives equal sums on either side. (Length prefixes rather than
-- escaped separators: half the server's work per row.)

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
SELECT count(*),
       coalesce(sum(('x' || left(h, 16))::bit(64)::bigint), 0)::text || ' '
       || coalesce(sum(('x' || right(h, 16))::bit(64)::bigint), 0)::text
FROM (SELECT md5(convert_to(
       id || ','
       || length(name) || ':' || name
       || length(email) || ':' || email
       || coalesce(to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '-'), 'UTF8')) AS h
      FROM users) AS lines;

-- name: copy_posts_checksum()^
SELECT count(*),
       coalesce(sum(('x' || left(h, 16))::bit(64)::bigint), 0)::text || ' '
       || coalesce(sum(('x' || right(h, 16))::bit(64)::bigint), 0)::text
FROM (SELECT md5(convert_to(
       id || ','
       || user_id || ','
       || length(title) || ':' || title
       || length(content) || ':' || content
       || coalesce(to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '-'), 'UTF8')) AS h
      FROM posts) AS lines;

-- name: copy_comments_checksum()^
SELECT count(*),
       coalesce(sum(('x' || left(h, 16))::bit(64)::bigint), 0)::text || ' '
       || coalesce(sum(('x' || right(h, 16))::bit(64)::bigint), 0)::text
FROM (SELECT md5(convert_to(
       id || ','
       || post_id || ','
       || length(body) || ':' || body, 'UTF8')) AS h
      FROM comments) AS lines;

-- A timestamptz column holds only readable times.
-- name: copy_unreadable_times()^
SELECT 0, 0;
