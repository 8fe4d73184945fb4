-- Every order of every list but the three the lists began with (users by name, posts
-- newest first, comments in the order written: users.sql, posts.sql, comments.sql), each
-- way. Each order is keyset-paged on the index that matches it (migration 008), read by
-- position for a jump (a scroll-bar drag, Ctrl+End), and placed by position. Ties go by id,
-- the same way as the column, so every order is total and a B-tree serves it in either
-- direction. A list's first page is its `*_at` query from 0: a descending keyset has no
-- value to start "before" in every collation.
--
-- Users carry their number of posts from user_post_counts (migration 008's triggers keep it).

-- Users by name.
-- name: list_users_by_name_desc(pattern, after_value, after_id, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
  AND (u.name, u.id) < (:after_value, :after_id)
ORDER BY u.name DESC, u.id DESC
LIMIT :limit;

-- name: users_by_name_at_desc(pattern, offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
ORDER BY u.name DESC, u.id DESC
LIMIT :limit OFFSET :offset;

-- name: all_users_by_name_at_desc(offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE u.id IN (SELECT id FROM users ORDER BY name DESC, id DESC LIMIT :limit OFFSET :offset)
ORDER BY u.name DESC, u.id DESC;

-- Users by email.
-- name: list_users_by_email_asc(pattern, after_value, after_id, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
  AND (u.email, u.id) > (:after_value, :after_id)
ORDER BY u.email ASC, u.id ASC
LIMIT :limit;

-- name: users_by_email_at_asc(pattern, offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
ORDER BY u.email ASC, u.id ASC
LIMIT :limit OFFSET :offset;

-- name: all_users_by_email_at_asc(offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE u.id IN (SELECT id FROM users ORDER BY email ASC, id ASC LIMIT :limit OFFSET :offset)
ORDER BY u.email ASC, u.id ASC;

-- name: list_users_by_email_desc(pattern, after_value, after_id, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
  AND (u.email, u.id) < (:after_value, :after_id)
ORDER BY u.email DESC, u.id DESC
LIMIT :limit;

-- name: users_by_email_at_desc(pattern, offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
ORDER BY u.email DESC, u.id DESC
LIMIT :limit OFFSET :offset;

-- name: all_users_by_email_at_desc(offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE u.id IN (SELECT id FROM users ORDER BY email DESC, id DESC LIMIT :limit OFFSET :offset)
ORDER BY u.email DESC, u.id DESC;

-- How many users come before this one in ascending order; descending, the rest do.
-- name: user_position_by_email(id, pattern)$
SELECT (SELECT count(*) FROM user_post_counts oc JOIN users o ON o.id = oc.user_id
        WHERE (lower(o.name) LIKE lower(:pattern) ESCAPE '\' OR lower(o.email) LIKE lower(:pattern) ESCAPE '\')
          AND (o.email, o.id) < (u.email, u.id)) AS position
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE u.id = :id AND (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\');

-- The same with no filter: counted on the email index alone.
-- name: all_user_position_by_email(id)$
SELECT (SELECT count(*) FROM users o WHERE (o.email, o.id) < (u.email, u.id)) AS position
FROM users u
WHERE u.id = :id;

-- name: all_user_position_by_email_desc(id)$
SELECT (SELECT count(*) FROM users o WHERE (o.email, o.id) > (u.email, u.id)) AS position
FROM users u
WHERE u.id = :id;

-- Users by number of posts. Most users share a few counts (99,999 of the benchmark's
-- 100,000 have 9 posts), and SQLite bounds an index range by a row value's first column
-- alone when the second is the table's rowid: `(post_count, user_id) > (9, 90000)` walked
-- every user with 9 posts before the page (9 ms a page, further down the list more). So
-- each bound is written as its two ranges, the users with as many posts after the id and
-- those with more posts, each one seek on (post_count, user_id) (0.1 ms); PostgreSQL
-- plans them as well as the row value.
-- name: list_users_by_posts_asc(pattern, after_value, after_id, limit)
SELECT * FROM (
    SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
    FROM user_post_counts c JOIN users u ON u.id = c.user_id
    WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
      AND c.post_count = :after_value AND c.user_id > :after_id
    ORDER BY c.user_id ASC
    LIMIT :limit
) AS same_count
UNION ALL
SELECT * FROM (
    SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
    FROM user_post_counts c JOIN users u ON u.id = c.user_id
    WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
      AND c.post_count > :after_value
    ORDER BY c.post_count ASC, c.user_id ASC
    LIMIT :limit
) AS more_posts
ORDER BY post_count ASC, id ASC
LIMIT :limit;

-- name: users_by_posts_at_asc(pattern, offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
ORDER BY c.post_count ASC, c.user_id ASC
LIMIT :limit OFFSET :offset;

-- name: all_users_by_posts_at_asc(offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE c.user_id IN (SELECT user_id FROM user_post_counts ORDER BY post_count ASC, user_id ASC LIMIT :limit OFFSET :offset)
ORDER BY c.post_count ASC, c.user_id ASC;

-- name: list_users_by_posts_desc(pattern, after_value, after_id, limit)
SELECT * FROM (
    SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
    FROM user_post_counts c JOIN users u ON u.id = c.user_id
    WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
      AND c.post_count = :after_value AND c.user_id < :after_id
    ORDER BY c.user_id DESC
    LIMIT :limit
) AS same_count
UNION ALL
SELECT * FROM (
    SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
    FROM user_post_counts c JOIN users u ON u.id = c.user_id
    WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
      AND c.post_count < :after_value
    ORDER BY c.post_count DESC, c.user_id DESC
    LIMIT :limit
) AS fewer_posts
ORDER BY post_count DESC, id DESC
LIMIT :limit;

-- name: users_by_posts_at_desc(pattern, offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
ORDER BY c.post_count DESC, c.user_id DESC
LIMIT :limit OFFSET :offset;

-- name: all_users_by_posts_at_desc(offset, limit)
SELECT u.id, u.name, u.email, u.created_at, c.post_count, u.version
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE c.user_id IN (SELECT user_id FROM user_post_counts ORDER BY post_count DESC, user_id DESC LIMIT :limit OFFSET :offset)
ORDER BY c.post_count DESC, c.user_id DESC;

-- How many users come before this one in ascending order; descending, the rest do. As
-- above, the users with fewer posts and those with as many and a smaller id are counted
-- apart: the row value made SQLite count every user with as many posts.
-- name: user_position_by_posts(id, pattern)$
SELECT (SELECT count(*) FROM user_post_counts oc JOIN users o ON o.id = oc.user_id
        WHERE (lower(o.name) LIKE lower(:pattern) ESCAPE '\' OR lower(o.email) LIKE lower(:pattern) ESCAPE '\')
          AND oc.post_count < c.post_count)
     + (SELECT count(*) FROM user_post_counts oc JOIN users o ON o.id = oc.user_id
        WHERE (lower(o.name) LIKE lower(:pattern) ESCAPE '\' OR lower(o.email) LIKE lower(:pattern) ESCAPE '\')
          AND oc.post_count = c.post_count AND oc.user_id < c.user_id) AS position
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE u.id = :id AND (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\');

-- The same with no filter: the count runs on the (post_count, user_id) index alone.
-- name: all_user_position_by_posts(id)$
SELECT (SELECT count(*) FROM user_post_counts oc WHERE oc.post_count < c.post_count)
     + (SELECT count(*) FROM user_post_counts oc
        WHERE oc.post_count = c.post_count AND oc.user_id < c.user_id) AS position
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE u.id = :id;

-- name: all_user_position_by_posts_desc(id)$
SELECT (SELECT count(*) FROM user_post_counts oc WHERE oc.post_count > c.post_count)
     + (SELECT count(*) FROM user_post_counts oc
        WHERE oc.post_count = c.post_count AND oc.user_id > c.user_id) AS position
FROM user_post_counts c JOIN users u ON u.id = c.user_id
WHERE u.id = :id;

-- A user's posts by title.
-- name: list_posts_by_title_asc(user_id, pattern, after_value, after_id, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
  AND (p.title, p.id) > (:after_value, :after_id)
ORDER BY p.title ASC, p.id ASC
LIMIT :limit;

-- name: posts_by_title_at_asc(user_id, pattern, offset, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
ORDER BY p.title ASC, p.id ASC
LIMIT :limit OFFSET :offset;

-- name: all_posts_by_title_at_asc(user_id, offset, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.id IN (
    SELECT id FROM posts WHERE user_id = :user_id
    ORDER BY title ASC, id ASC LIMIT :limit OFFSET :offset
)
ORDER BY p.title ASC, p.id ASC;

-- name: list_posts_by_title_desc(user_id, pattern, after_value, after_id, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
  AND (p.title, p.id) < (:after_value, :after_id)
ORDER BY p.title DESC, p.id DESC
LIMIT :limit;

-- name: posts_by_title_at_desc(user_id, pattern, offset, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
ORDER BY p.title DESC, p.id DESC
LIMIT :limit OFFSET :offset;

-- name: all_posts_by_title_at_desc(user_id, offset, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.id IN (
    SELECT id FROM posts WHERE user_id = :user_id
    ORDER BY title DESC, id DESC LIMIT :limit OFFSET :offset
)
ORDER BY p.title DESC, p.id DESC;

-- How many posts of the user come before this one in ascending title order.
-- name: post_position_by_title(id, user_id, pattern)$
SELECT (SELECT count(*) FROM posts o
        WHERE o.user_id = p.user_id AND lower(o.title) LIKE lower(:pattern) ESCAPE '\'
          AND (o.title, o.id) < (p.title, p.id)) AS position
FROM posts p
WHERE p.id = :id AND p.user_id = :user_id AND lower(p.title) LIKE lower(:pattern) ESCAPE '\';

-- The same with no filter: the count runs on the (user_id, title, id) index alone.
-- name: all_post_position_by_title(id, user_id)$
SELECT (SELECT count(*) FROM posts o
        WHERE o.user_id = p.user_id AND (o.title, o.id) < (p.title, p.id)) AS position
FROM posts p
WHERE p.id = :id AND p.user_id = :user_id;

-- name: all_post_position_by_title_desc(id, user_id)$
SELECT (SELECT count(*) FROM posts o
        WHERE o.user_id = p.user_id AND (o.title, o.id) > (p.title, p.id)) AS position
FROM posts p
WHERE p.id = :id AND p.user_id = :user_id;

-- A user's posts oldest first. Posts without a created_at still come last (a missing date
-- is not an early one), among themselves in id order, the way the dates go.
-- name: list_posts_by_date_asc(user_id, pattern, after_created, after_id, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
  AND (p.created_at, p.id) > (:after_created, :after_id)
ORDER BY p.created_at, p.id
LIMIT :limit;

-- name: list_undated_posts_asc(user_id, pattern, after_id, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id
  AND p.created_at IS NULL
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
  AND p.id > :after_id
ORDER BY p.id
LIMIT :limit;

-- name: posts_by_date_at_asc(user_id, pattern, offset, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id
  AND p.created_at IS NOT NULL
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
ORDER BY p.created_at, p.id
LIMIT :limit OFFSET :offset;

-- name: undated_posts_at_asc(user_id, pattern, offset, limit)
SELECT p.id, p.user_id, p.title, p.content, p.created_at,
       (SELECT count(*) FROM comments x WHERE x.post_id = p.id) AS comment_count, p.version
FROM posts p
WHERE p.user_id = :user_id
  AND p.created_at IS NULL
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\'
ORDER BY p.id
LIMIT :limit OFFSET :offset;

-- name: post_position_by_date_asc(id, user_id, pattern)$
SELECT (SELECT count(*) FROM posts o
        WHERE o.user_id = p.user_id
          AND lower(o.title) LIKE lower(:pattern) ESCAPE '\'
          AND CASE WHEN p.created_at IS NULL
                   THEN o.created_at IS NOT NULL OR o.id < p.id
                   ELSE (o.created_at, o.id) < (p.created_at, p.id) END) AS position
FROM posts p
WHERE p.id = :id AND p.user_id = :user_id
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\';

-- The same with no filter: counted on the (user_id, created_at, id) index alone.
-- name: all_post_position_by_date_asc(id, user_id)$
SELECT (SELECT count(*) FROM posts o
        WHERE o.user_id = p.user_id
          AND CASE WHEN p.created_at IS NULL
                   THEN o.created_at IS NOT NULL OR o.id < p.id
                   ELSE (o.created_at, o.id) < (p.created_at, p.id) END) AS position
FROM posts p
WHERE p.id = :id AND p.user_id = :user_id;

-- A post's comments, the latest written first.
-- name: list_comments_desc(post_id, after_id, limit)
SELECT c.id, c.post_id, c.body, c.version
FROM comments c
WHERE c.post_id = :post_id AND c.id < :after_id
ORDER BY c.id DESC
LIMIT :limit;

-- name: comments_at_desc(post_id, offset, limit)
SELECT c.id, c.post_id, c.body, c.version
FROM comments c
WHERE c.post_id = :post_id
ORDER BY c.id DESC
LIMIT :limit OFFSET :offset;
