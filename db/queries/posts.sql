-- Posts of one user, newest first, keyset-paged on (created_at, id); :pattern filters titles
-- as in users.sql.

-- name: list_posts(user_id, pattern, after_created, after_id, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
  AND (p.created_at, p.id) < (:after_created, :after_id)
ORDER BY p.created_at DESC, p.id DESC
LIMIT :limit;

-- name: count_posts(user_id, pattern)$
SELECT count(*) FROM posts p
WHERE p.user_id = :user_id AND lower(p.title) LIKE lower(:pattern) ESCAPE '\';

-- name: get_post(id)^
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.id = :id;

-- name: insert_post(user_id, title, content)$
INSERT INTO posts (user_id, title, content) VALUES (:user_id, :title, :content) RETURNING id;

-- name: update_post(id, user_id, title, content)!
UPDATE posts SET user_id = :user_id, title = :title, content = :content WHERE id = :id;

-- What deleting a post takes with it: its comments, counted, and the sum of their ids.
-- name: post_delete_counts(post_id)^
SELECT count(*), CAST(coalesce(sum(id), 0) AS BIGINT) FROM comments WHERE post_id = :post_id;

-- name: delete_comments_of_post(post_id)!
DELETE FROM comments WHERE post_id = :post_id;

-- name: delete_post(id)!
DELETE FROM posts WHERE id = :id;

-- Only over the version the person edited (see update_user_if_unchanged).
-- name: update_post_if_unchanged(id, user_id, title, content, old_version)!
UPDATE posts SET user_id = :user_id, title = :title, content = :content
WHERE id = :id AND version = :old_version;

-- name: find_post(user_id, title, content)$
SELECT id FROM posts
WHERE user_id = :user_id AND title = :title AND content = :content
ORDER BY id DESC LIMIT 1;

-- Posts another program stored without a created_at come after all dated ones, newest
-- (highest id) first.
-- name: list_undated_posts(user_id, pattern, after_id, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id
  AND p.created_at IS NULL
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
  AND p.id < :after_id
ORDER BY p.id DESC
LIMIT :limit;

-- name: count_dated_posts(user_id, pattern)$
SELECT count(*) FROM posts p
WHERE p.user_id = :user_id AND p.created_at IS NOT NULL
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\';

-- Without a title filter, counting and jumping stay inside the index.
-- name: count_all_posts(user_id)$
-- The number migration 008's triggers keep for each user (user_post_counts, in step with
-- posts in every transaction): one row read, where counting read the user's every post in
-- the index (the heavy user's 100,000: 5 ms on SQLite, before the first page could show).
SELECT coalesce((SELECT post_count FROM user_post_counts WHERE user_id = :user_id), 0);

-- A page of dated posts and, in the same round trip, the undated ones that follow them
-- when the dated run out (part 0, then part 1); over a network one query beats two.
-- name: list_posts_then_undated(user_id, pattern, after_created, after_id, limit)
SELECT id, user_id, title, content, created_at, comment_count, version FROM (
    SELECT 0 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
           (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
    FROM posts p
    WHERE p.user_id = :user_id
      AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
      AND (p.created_at, p.id) < (:after_created, :after_id)
    ORDER BY p.created_at DESC, p.id DESC
    LIMIT :limit
) AS dated
UNION ALL
SELECT id, user_id, title, content, created_at, comment_count, version FROM (
    SELECT 1 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
           (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
    FROM posts p
    WHERE p.user_id = :user_id
      AND p.created_at IS NULL
      AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
    ORDER BY p.id DESC
    LIMIT :limit
) AS undated;

-- The posts from a position (see users_at) in one statement: the dated ones from there,
-- newest first (part 0), then the undated ones that follow them (part 1): from the first
-- when some dated posts were found, else from the position minus the dated posts' number
-- (counted only then). A jump to the end (Ctrl+End) is one round trip.
-- name: posts_at_then_undated(user_id, pattern, offset, limit)
WITH dated AS (
    SELECT id FROM posts
    WHERE user_id = :user_id
      AND created_at IS NOT NULL
      AND lower(title) LIKE lower(:pattern) ESCAPE '\'
    ORDER BY created_at DESC, id DESC
    LIMIT :limit OFFSET :offset
)
SELECT id, user_id, title, content, created_at, comment_count, version FROM (
    SELECT 0 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
           (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
    FROM posts p
    WHERE p.id IN (SELECT id FROM dated)
    UNION ALL
    SELECT part, id, user_id, title, content, created_at, comment_count, version FROM (
        SELECT 1 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
               (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count,
               p.version
        FROM posts p
        WHERE p.user_id = :user_id
          AND p.created_at IS NULL
          AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
        ORDER BY p.id DESC
        LIMIT :limit OFFSET CASE WHEN EXISTS (SELECT 1 FROM dated) THEN 0 ELSE :offset - (
            SELECT count(*) FROM posts
            WHERE user_id = :user_id
              AND created_at IS NOT NULL
              AND lower(title) LIKE lower(:pattern) ESCAPE '\'
        ) END
    ) AS undated
) AS both_parts
ORDER BY part, created_at DESC, id DESC;

-- The same without a title filter: the dated posts' positions and number come from the
-- index alone.
-- name: all_posts_at_then_undated(user_id, offset, limit)
WITH dated AS (
    SELECT id FROM posts
    WHERE user_id = :user_id AND created_at IS NOT NULL
    ORDER BY created_at DESC, id DESC
    LIMIT :limit OFFSET :offset
)
SELECT id, user_id, title, content, created_at, comment_count, version FROM (
    SELECT 0 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
           (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
    FROM posts p
    WHERE p.id IN (SELECT id FROM dated)
    UNION ALL
    SELECT part, id, user_id, title, content, created_at, comment_count, version FROM (
        SELECT 1 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
               (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count,
               p.version
        FROM posts p
        WHERE p.user_id = :user_id AND p.created_at IS NULL
        ORDER BY p.id DESC
        LIMIT :limit OFFSET CASE WHEN EXISTS (SELECT 1 FROM dated) THEN 0 ELSE :offset - (
            SELECT count(*) FROM posts WHERE user_id = :user_id AND created_at IS NOT NULL
        ) END
    ) AS undated
) AS both_parts
ORDER BY part, created_at DESC, id DESC;

-- The same lists read from their end, for a position in their second half (Ctrl+End): an
-- OFFSET costs as many rows as it skips (the last page of 100,000 posts 7 ms on the
-- server), counted from the end it costs a page. The undated posts, oldest first (part
-- 0), then the dated ones oldest first (part 1), from `offset` counted from the end; the
-- caller turns the rows round.
-- name: posts_from_end_then_dated(user_id, pattern, offset, limit)
WITH undated AS (
    SELECT id FROM posts
    WHERE user_id = :user_id
      AND created_at IS NULL
      AND lower(title) LIKE lower(:pattern) ESCAPE '\'
    ORDER BY id
    LIMIT :limit OFFSET :offset
)
SELECT id, user_id, title, content, created_at, comment_count, version FROM (
    SELECT 0 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
           (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
    FROM posts p
    WHERE p.id IN (SELECT id FROM undated)
    UNION ALL
    SELECT part, id, user_id, title, content, created_at, comment_count, version FROM (
        SELECT 1 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
               (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count,
               p.version
        FROM posts p
        WHERE p.user_id = :user_id
          AND p.created_at IS NOT NULL
          AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
        ORDER BY p.created_at, p.id
        LIMIT :limit OFFSET CASE WHEN EXISTS (SELECT 1 FROM undated) THEN 0 ELSE :offset - (
            SELECT count(*) FROM posts
            WHERE user_id = :user_id
              AND created_at IS NULL
              AND lower(title) LIKE lower(:pattern) ESCAPE '\'
        ) END
    ) AS dated
) AS both_parts
ORDER BY part, created_at, id;

-- name: all_posts_from_end_then_dated(user_id, offset, limit)
WITH undated AS (
    SELECT id FROM posts
    WHERE user_id = :user_id AND created_at IS NULL
    ORDER BY id
    LIMIT :limit OFFSET :offset
)
SELECT id, user_id, title, content, created_at, comment_count, version FROM (
    SELECT 0 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
           (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count, p.version
    FROM posts p
    WHERE p.id IN (SELECT id FROM undated)
    UNION ALL
    SELECT part, id, user_id, title, content, created_at, comment_count, version FROM (
        SELECT 1 AS part, p.id, p.user_id, p.title, p.content, p.created_at,
               (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS comment_count,
               p.version
        FROM posts p
        WHERE p.user_id = :user_id AND p.created_at IS NOT NULL
        ORDER BY p.created_at, p.id
        LIMIT :limit OFFSET CASE WHEN EXISTS (SELECT 1 FROM undated) THEN 0 ELSE :offset - (
            SELECT count(*) FROM posts WHERE user_id = :user_id AND created_at IS NULL
        ) END
    ) AS dated
) AS both_parts
ORDER BY part, created_at, id;
