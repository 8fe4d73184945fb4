-- Full-text search (desktop/store/search.py builds :posts_match and :comments_match from the
-- words typed: only quoted prefix terms, so no FTS5 syntax error can come of them; here the
-- two are the same). A post is found by its own title and content or by one of its comments;
-- `comment_id` is the first matching comment when the post itself does not match, and the
-- last column is the text the match was found in. Newest post (highest id) first,
-- keyset-paged on the id.

-- name: search_posts(posts_match, comments_match, after_id, limit)
WITH post_hits AS (
    -- FTS5 hands rowids out in order: the first :limit come without reading the rest.
    SELECT s.rowid AS post_id, NULL AS comment_id FROM posts_search s
    WHERE posts_search MATCH :posts_match AND s.rowid < :after_id
    ORDER BY s.rowid DESC LIMIT :limit
), comment_hits AS (
    SELECT c.post_id, min(c.id) AS comment_id
    FROM comments_search s JOIN comments c ON c.id = s.rowid
    WHERE comments_search MATCH :comments_match AND c.post_id < :after_id
    GROUP BY c.post_id ORDER BY c.post_id DESC LIMIT :limit
), hits AS (
    SELECT post_id, comment_id FROM post_hits
    UNION ALL
    SELECT post_id, comment_id FROM comment_hits
), found AS (
    SELECT post_id,
           CASE WHEN count(comment_id) < count(*) THEN NULL ELSE min(comment_id) END AS comment_id
    FROM hits GROUP BY post_id ORDER BY post_id DESC LIMIT :limit
)
SELECT p.id, p.title, p.created_at, u.id, u.name, u.email, f.comment_id,
       coalesce(c.body, p.content)
FROM found f
JOIN posts p ON p.id = f.post_id
JOIN users u ON u.id = p.user_id
LEFT JOIN comments c ON c.id = f.comment_id
ORDER BY p.id DESC;


-- name: count_search(posts_match, comments_match, at_most)$
-- How many posts search_posts finds, counted no further than :at_most + 1 (a common word
-- matches most posts: the heading says "more than …" rather than wait seconds for a count).
-- Each side stops at :at_most + 1 posts; their union is exact up to :at_most and above it
-- when the total is.
SELECT count(*) FROM (
    SELECT post_id FROM (
        SELECT rowid AS post_id FROM posts_search WHERE posts_search MATCH :posts_match
        LIMIT :at_most + 1)
    UNION
    SELECT post_id FROM (
        SELECT DISTINCT c.post_id FROM comments_search s JOIN comments c ON c.id = s.rowid
        WHERE comments_search MATCH :comments_match LIMIT :at_most + 1)
) AS found;
