-- Where a record stands in its list, counted as the list's own query orders it: the number
-- of rows before it, or nothing when the list (with its filter) does not hold it. After a
-- save or a delete the app puts the record there, so the rows it shows stay those a fresh
-- query gives, even where the rows before it are not loaded yet.

-- name: user_position(id, pattern)$
SELECT (SELECT count(*) FROM users o
        WHERE (lower(o.name) LIKE lower(:pattern) ESCAPE '\' OR lower(o.email) LIKE lower(:pattern) ESCAPE '\')
          AND (o.name, o.id) < (u.name, u.id)) AS position
FROM users u
WHERE u.id = :id
  AND (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\');

-- The same with no filter: counted on the (name, id) index alone.
-- name: all_user_position(id)$
SELECT (SELECT count(*) FROM users o WHERE (o.name, o.id) < (u.name, u.id)) AS position
FROM users u
WHERE u.id = :id;

-- The same in descending order: the users after it counted, so that the first users of a
-- descending list cost no count of all the others (the `_desc` twins in sort_orders.sql
-- do the same for the other orders).
-- name: all_user_position_desc(id)$
SELECT (SELECT count(*) FROM users o WHERE (o.name, o.id) > (u.name, u.id)) AS position
FROM users u
WHERE u.id = :id;

-- Newest first; posts without a created_at come after every dated one, highest id first.
-- name: post_position(id, user_id, pattern)$
SELECT (SELECT count(*) FROM posts o
        WHERE o.user_id = p.user_id
          AND lower(o.title) LIKE lower(:pattern) ESCAPE '\'
          AND CASE WHEN p.created_at IS NULL
                   THEN o.created_at IS NOT NULL OR o.id > p.id
                   ELSE (o.created_at, o.id) > (p.created_at, p.id) END) AS position
FROM posts p
WHERE p.id = :id AND p.user_id = :user_id
  AND lower(p.title) LIKE lower(:pattern) ESCAPE '\';

-- The same with no filter: counted on the (user_id, created_at, id) index alone.
-- name: all_post_position(id, user_id)$
SELECT (SELECT count(*) FROM posts o
        WHERE o.user_id = p.user_id
          AND CASE WHEN p.created_at IS NULL
                   THEN o.created_at IS NOT NULL OR o.id > p.id
                   ELSE (o.created_at, o.id) > (p.created_at, p.id) END) AS position
FROM posts p
WHERE p.id = :id AND p.user_id = :user_id;

-- name: comment_position(id, post_id)$
SELECT (SELECT count(*) FROM comments o WHERE o.post_id = c.post_id AND o.id < c.id) AS position
FROM comments c
WHERE c.id = :id AND c.post_id = :post_id;
