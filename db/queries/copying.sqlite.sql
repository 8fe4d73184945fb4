-- Copying a whole database (SQLite side; the other dialect's file defines the same
-- queries). Rows are read in id order, a batch at a time, with every timestamp as UTC
-- ISO-8601 text to the millisecond: the form SQLite stores and PostgreSQL reads.
--
-- A table's checksum is order-independent: every row becomes one canonical line (a number
-- followed by a comma, a text as its length in characters, a colon and the text itself, a
-- timestamp as above or '-' when there is none), the line's MD5 is cut into two signed
-- 64-bit integers, and each half is summed over the table. Both dialects build the very
-- same line, so equal data gives equal sums on either side. (Length prefixes rather than
-- escaped separators: half the server's work per row.)
-- postdesk_copy_checksum is an aggregate desktop.store.copying registers (SQLite has no MD5).

-- name: copy_users_batch(after, limit)
SELECT id, name, email, strftime('%Y-%m-%dT%H:%M:%fZ', created_at)
FROM users WHERE id > :after ORDER BY id LIMIT :limit;

-- name: copy_posts_batch(after, limit)
SELECT id, user_id, title, content, strftime('%Y-%m-%dT%H:%M:%fZ', created_at)
FROM posts WHERE id > :after ORDER BY id LIMIT :limit;

-- name: copy_comments_batch(after, limit)
SELECT id, post_id, body
FROM comments WHERE id > :after ORDER BY id LIMIT :limit;

-- name: copy_users_checksum()^
SELECT count(*), coalesce(postdesk_copy_checksum(
       id || ','
       || length(name) || ':' || name
       || length(email) || ':' || email
       || coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), '-')), '0 0')
FROM users;

-- name: copy_posts_checksum()^
SELECT count(*), coalesce(postdesk_copy_checksum(
       id || ','
       || user_id || ','
       || length(title) || ':' || title
       || length(content) || ':' || content
       || coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), '-')), '0 0')
FROM posts;

-- name: copy_comments_checksum()^
SELECT count(*), coalesce(postdesk_copy_checksum(
       id || ','
       || post_id || ','
       || length(body) || ':' || body), '0 0')
FROM comments;

-- Timestamps SQLite's date functions cannot read would arrive as nothing: refused instead.
-- name: copy_unreadable_times()^
SELECT (SELECT count(*) FROM users
        WHERE created_at IS NOT NULL AND strftime('%Y-%m-%dT%H:%M:%fZ', created_at) IS NULL),
       (SELECT count(*) FROM posts
        WHERE created_at IS NOT NULL AND strftime('%Y-%m-%dT%H:%M:%fZ', created_at) IS NULL);
