-- Full-text search (desktop/store/search.py builds :posts_match and :comments_match from the
-- words typed: only quoted prefix terms, so no FTS5 syntax error can come of them; here the
-- two are the same). A post is found by its own title and content or by one of its comments;
-- `comment_id` is the first matching comment when the post itself does not match, and the
-- last column is the text the match was found in. Newest post (highest id) first,
-- keyset-paged on the id.
--
-- Speed (a common word matches most of a million posts and of five million comments):
-- FTS5 hands post rowids out in order, so the first :limit posts come without reading the
-- rest. Comments must be mapped to their posts, and mapping every match of a common word
-- took most of a second; so the comments on the newest :window posts come first, from one
-- stretch of the comments index (the rowids, i.e. comment ids, those comments span), and
-- only when they and the posts do not fill the page are the older comments searched
-- (`far_comments`, skipped otherwise: its conditions on `near` come first in the join).
-- A word typed is a prefix: one of 2 or 3 characters is read lazily from the prefix
-- indexes of migration 009, any other is sent as the words it begins (search_words) where
-- they are few; else FTS5 merges the lists of every word that starts with it for each
-- MATCH, so two MATCHes on comments would cost twice.

-- name: search_settings()$
-- Sent before each search, as search.postgresql.sql turns its JIT compiler off; SQLite has
-- nothing to set.
SELECT 'none';

-- name: search_words(prefix, at_most)
-- The words the posts' and the comments' indexes hold that start with :prefix, no more than
-- :at_most + 1 of each (more means too many: desktop/store/search.py then lets FTS5 merge
-- them). Each word is one seek into the fts5vocab tables of migration 009, whose rows come
-- in word order, read lazily: `|| char(1)` seeks past every occurrence of the word before
-- (a longer word's next character, a letter or digit, sorts after it).
WITH RECURSIVE post_words(word, n) AS (
    SELECT (SELECT term FROM posts_search_words WHERE term >= :prefix LIMIT 1), 0
    UNION ALL
    SELECT (SELECT v.term FROM posts_search_words v WHERE v.term >= w.word || char(1) LIMIT 1),
           w.n + 1
    FROM post_words w WHERE substr(w.word, 1, length(:prefix)) = :prefix AND w.n < :at_most
), comment_words(word, n) AS (
    SELECT (SELECT term FROM comments_search_words WHERE term >= :prefix LIMIT 1), 0
    UNION ALL
    SELECT (SELECT v.term FROM comments_search_words v WHERE v.term >= w.word || char(1) LIMIT 1),
           w.n + 1
    FROM comment_words w WHERE substr(w.word, 1, length(:prefix)) = :prefix AND w.n < :at_most
)
SELECT 'posts', word FROM post_words WHERE substr(word, 1, length(:prefix)) = :prefix
UNION ALL
SELECT 'comments', word FROM comment_words WHERE substr(word, 1, length(:prefix)) = :prefix;

-- name: search_posts(posts_match, comments_match, after_id, limit, window)
WITH post_hits AS MATERIALIZED (
    SELECT s.rowid AS post_id FROM posts_search s
    WHERE posts_search MATCH :posts_match AND s.rowid < :after_id
    ORDER BY s.rowid DESC LIMIT :limit
), edge AS MATERIALIZED (
    SELECT coalesce(min(id), 0) AS low, count(*) AS seen FROM (
        SELECT id FROM posts WHERE id < :after_id ORDER BY id DESC LIMIT :window)
), span AS MATERIALIZED (
    SELECT min(c.id) AS first, max(c.id) AS last
    FROM edge CROSS JOIN comments c WHERE c.post_id >= edge.low AND c.post_id < :after_id
), near_comments AS MATERIALIZED (
    SELECT c.post_id, min(c.id) AS comment_id
    FROM edge CROSS JOIN span CROSS JOIN comments_search s CROSS JOIN comments c
    WHERE comments_search MATCH :comments_match AND s.rowid BETWEEN span.first AND span.last
      AND c.id = s.rowid AND c.post_id >= edge.low AND c.post_id < :after_id
    GROUP BY c.post_id
), near AS MATERIALIZED (
    SELECT edge.low, edge.seen, (
        SELECT count(*) FROM (
            SELECT post_id FROM post_hits WHERE post_id >= edge.low
            UNION SELECT post_id FROM near_comments)) AS found
    FROM edge
), far_comments AS (
    SELECT c.post_id, min(c.id) AS comment_id
    FROM near CROSS JOIN comments_search s CROSS JOIN comments c
    WHERE near.found < :limit AND near.seen = :window
      AND comments_search MATCH :comments_match AND c.id = s.rowid AND c.post_id < near.low
    GROUP BY c.post_id ORDER BY c.post_id DESC LIMIT :limit
), hits AS (
    SELECT post_id, NULL AS comment_id FROM post_hits
    UNION ALL SELECT post_id, comment_id FROM near_comments
    UNION ALL SELECT post_id, comment_id FROM far_comments
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
