-- Full-text search: the same queries as search.sqlite.sql. :posts_match and :comments_match
-- are tsquery text built by desktop/store/search.py from folded words and cast, never
-- parsed, so nothing typed can make a syntax error. The tsvector expressions are exactly
-- those of the GIN indexes of db/migrations/006_full_text_search.postgresql.sql.

-- name: search_posts(posts_match, comments_match, after_id, limit)
WITH hits AS (
    SELECT p.id AS post_id, NULL::integer AS comment_id FROM posts p
    WHERE (setweight(to_tsvector('simple', regexp_replace(left(title, 100000), '[^[:alnum:]]+', ' ', 'g')), 'A')
           || setweight(to_tsvector('simple', regexp_replace(left(content, 100000), '[^[:alnum:]]+', ' ', 'g')), 'B'))
          @@ CAST(:posts_match AS tsquery)
      AND p.id < :after_id
    UNION ALL
    SELECT c.post_id, c.id FROM comments c
    WHERE to_tsvector('simple', regexp_replace(left(body, 100000), '[^[:alnum:]]+', ' ', 'g'))
          @@ CAST(:comments_match AS tsquery)
      AND c.post_id < :after_id
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
-- As in search.sqlite.sql: counted no further than :at_most + 1.
SELECT count(*) FROM (
    (SELECT p.id AS post_id FROM posts p
     WHERE (setweight(to_tsvector('simple', regexp_replace(left(title, 100000), '[^[:alnum:]]+', ' ', 'g')), 'A')
            || setweight(to_tsvector('simple', regexp_replace(left(content, 100000), '[^[:alnum:]]+', ' ', 'g')), 'B'))
           @@ CAST(:posts_match AS tsquery)
     LIMIT :at_most + 1)
    UNION
    (SELECT DISTINCT c.post_id FROM comments c
     WHERE to_tsvector('simple', regexp_replace(left(body, 100000), '[^[:alnum:]]+', ' ', 'g'))
           @@ CAST(:comments_match AS tsquery)
     LIMIT :at_most + 1)
) AS found;
