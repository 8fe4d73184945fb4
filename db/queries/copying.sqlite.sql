-- Copying a whole database (SQLite side; the other dialect's file defines the same
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
-- Python call per row. A timestamp is a number rather than text because SQLite computes the
-- number from its date parser alone, several times faster than formatting the text.
-- postdesk_copy_checksum is an aggregate desktop.store.copying registers (SQLite has no MD5):
-- the sums above over the bucket texts it is given (as UTF-8 bytes), as 'SUM1 SUM2'. Each
-- line is one printf(), several times faster than joining its pieces with ||; julianday()
-- holds the very milliseconds strftime('%f') would print.

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
SELECT (SELECT count(*) FROM users), coalesce(postdesk_copy_checksum((
    SELECT CAST(group_concat(line, '') AS BLOB) FROM (
        SELECT printf('%d,%d:%s%d:%s%s;', id, length(name), name, length(email), email,
                      coalesce(CAST(round(julianday(created_at) * 86400000.0) AS INTEGER) - 210866760000000, '-')) AS line
        FROM users WHERE id >= bucket << 9 AND id < (bucket + 1) << 9 ORDER BY id))), '0 0')
FROM (SELECT DISTINCT id >> 9 AS bucket FROM users);

-- name: copy_posts_checksum()^
SELECT (SELECT count(*) FROM posts), coalesce(postdesk_copy_checksum((
    SELECT CAST(group_concat(line, '') AS BLOB) FROM (
        SELECT printf('%d,%d,%d:%s%d:%s%s;', id, user_id, length(title), title,
                      length(content), content,
                      coalesce(CAST(round(julianday(created_at) * 86400000.0) AS INTEGER) - 210866760000000, '-')) AS line
        FROM posts WHERE id >= bucket << 6 AND id < (bucket + 1) << 6 ORDER BY id))), '0 0')
FROM (SELECT DISTINCT id >> 6 AS bucket FROM posts);

-- name: copy_comments_checksum()^
SELECT (SELECT count(*) FROM comments), coalesce(postdesk_copy_checksum((
    SELECT CAST(group_concat(line, '') AS BLOB) FROM (
        SELECT printf('%d,%d,%d:%s;', id, post_id, length(body), body) AS line
        FROM comments WHERE id >= bucket << 9 AND id < (bucket + 1) << 9 ORDER BY id))), '0 0')
FROM (SELECT DISTINCT id >> 9 AS bucket FROM comments);

-- Timestamps SQLite's date functions cannot read would arrive as nothing: refused instead.
-- name: copy_unreadable_times()^
SELECT (SELECT count(*) FROM users
        WHERE created_at IS NOT NULL AND julianday(created_at) IS NULL),
       (SELECT count(*) FROM posts
        WHERE created_at IS NOT NULL AND julianday(created_at) IS NULL);
