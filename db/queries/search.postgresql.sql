-- Full-text search: the same queries as search.sqlite.sql. :posts_match and :comments_match
-- are tsquery text built by desktop/store/search.py from folded words and cast, never
-- parsed, so nothing typed can make a syntax error. The tsvector expressions are exactly
-- those of the GIN indexes of db/migrations/010_search_words_kept_whole.postgresql.sql, whose
-- lexemes are the words with an `x` before them (the LIKE patterns below leave it out).
--
-- search_posts, for speed: a GIN index finds the rare words at once but cannot hand its
-- matches out in id order, so a common word (half of a million posts) had all its matches
-- fetched and sorted for one page: seconds. So the newest :window posts and their comments
-- are read first, newest first, by the primary key and idx_comments_post, stopping at
-- :limit: a cheap LIKE on each word first, then the tsvector (40 µs a post) only for what
-- passes. Only when they do not fill the page does the index search the older posts
-- (`far_*`, each behind a one-row `near` so that nothing of it runs otherwise). A GIN index
-- reads every match of each word before the first row (`release notes`: 135,000 posts a
-- word, 11,000 both, 65-90 ms); so when the newest posts matched at a rate that fills the
-- page within five windows (a fifth of the page or more found), the posts are walked on,
-- up to four windows more, until the page is full (`mid_*`, `release notes`: 2,600 posts,
-- 4 ms), and the index is asked only for what is still missing. A rare word goes to the
-- index at once, as before. The near
-- parts test the tsvector through ts_match_vq(), which no index serves: the planner must
-- not swap the ordered scan for a GIN one. `+ 0` keeps the far parts off the primary key
-- and idx_comments_post, whose order the planner would otherwise walk through the whole
-- table for a rare word. LATERAL keeps every part out of parallel plans, whose workers
-- took longer to start than the search itself.

-- name: search_settings()$
-- Sent before search_posts and count_search in the same pipeline (desktop/store/repository.py:
-- one round trip, one implicit transaction, which `true` keeps the setting to): no JIT. The
-- planner adds up the costs of the far parts, which run only when the newest posts do not
-- fill the page, and above jit_above_cost (100,000) compiled the query to machine code:
-- 35-115 ms spent on a search that takes 4-20 ms (benchmark set, PostgreSQL 15).
SELECT set_config('jit', 'off', true);

-- name: search_words(prefix, at_most)
-- Only SQLite's search asks which words of its index start with a prefix (FTS5 would merge
-- their lists before its first row; search.sqlite.sql). A tsquery prefix is read from one
-- range of the GIN index, and nothing here asks for them: this finds none, and is here so
-- that both dialects name the same queries.
SELECT CAST(NULL AS text), CAST(NULL AS text)
WHERE CAST(:prefix AS text) IS NULL AND CAST(:at_most AS integer) IS NULL;

-- name: search_posts(posts_match, comments_match, after_id, limit, window)
WITH edge AS MATERIALIZED (
    SELECT coalesce(min(id), 0) AS low, count(*) AS seen,
           -- every word searched, as a LIKE pattern: the words are letters and digits only
           -- (desktop/store/search.py), so the quoted lexemes of the tsquery are exactly them
           -- (chr(37) is the '%' wildcard: the driver would take a bare one for a parameter)
           ARRAY(SELECT chr(37) || m[1] || chr(37)
                 FROM regexp_matches(:comments_match, '''x([^'']*)''', 'g') AS m) AS patterns
    FROM (SELECT id FROM posts WHERE id < :after_id ORDER BY id DESC LIMIT :window) AS recent
), near_posts AS MATERIALIZED (
    SELECT near.post_id FROM edge CROSS JOIN LATERAL (
    SELECT p.id AS post_id FROM posts p
    WHERE p.id >= edge.low AND p.id < :after_id
      AND lower(p.title || ' ' || p.content) LIKE ALL (edge.patterns)
      AND ts_match_vq(
            setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(p.title, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'A')
            || setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(p.content, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'B'),
            CAST(:posts_match AS tsquery))
    ORDER BY p.id DESC LIMIT :limit) AS near
), near_comments AS MATERIALIZED (
    SELECT near.post_id, near.comment_id FROM edge CROSS JOIN LATERAL (
    SELECT c.post_id, min(c.id) AS comment_id FROM comments c
    WHERE c.post_id >= edge.low AND c.post_id < :after_id
      AND lower(c.body) LIKE ALL (edge.patterns)
      AND ts_match_vq(
            to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(c.body, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')),
            CAST(:comments_match AS tsquery))
    GROUP BY c.post_id ORDER BY c.post_id DESC LIMIT :limit) AS near
), near AS MATERIALIZED (
    SELECT edge.low, edge.seen, edge.patterns, (SELECT count(*) FROM near_posts) AS posts, (
        SELECT count(*) FROM (
            SELECT post_id FROM near_posts UNION SELECT post_id FROM near_comments) AS u
    ) AS found FROM edge
), mid AS MATERIALIZED (
    SELECT coalesce(min(older.id), 0) AS low, count(older.id) AS seen
    FROM near LEFT JOIN LATERAL (
        SELECT id FROM posts WHERE id < near.low ORDER BY id DESC LIMIT 4 * :window
    ) AS older ON near.found < :limit AND near.seen = :window AND 5 * near.posts >= :limit
), mid_posts AS MATERIALIZED (
    SELECT walked.post_id FROM near CROSS JOIN mid CROSS JOIN LATERAL (
    SELECT p.id AS post_id FROM posts p
    WHERE p.id >= mid.low AND p.id < near.low
      AND lower(p.title || ' ' || p.content) LIKE ALL (near.patterns)
      AND ts_match_vq(
            setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(p.title, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'A')
            || setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(p.content, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'B'),
            CAST(:posts_match AS tsquery))
    ORDER BY p.id DESC LIMIT :limit - near.posts) AS walked
    WHERE mid.seen > 0
), far AS MATERIALIZED (
    SELECT CASE WHEN mid.seen > 0 THEN mid.low ELSE near.low END AS low,
           near.found < :limit AND near.seen = :window AND (
               mid.seen = 0
               OR (mid.seen = 4 * :window AND near.posts + (SELECT count(*) FROM mid_posts) < :limit)
           ) AS posts_wanted
    FROM near CROSS JOIN mid
), far_posts AS MATERIALIZED (
    SELECT older.post_id FROM far CROSS JOIN LATERAL (
        SELECT p.id AS post_id FROM posts p
        WHERE (setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(p.title, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'A')
               || setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(p.content, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'B'))
              @@ CAST(:posts_match AS tsquery)
          AND p.id + 0 < far.low
        ORDER BY p.id + 0 DESC LIMIT :limit
    ) AS older
    WHERE far.posts_wanted
), far_comments AS MATERIALIZED (
    SELECT far.post_id, far.comment_id FROM near CROSS JOIN LATERAL (
        SELECT c.post_id + 0 AS post_id, min(c.id) AS comment_id FROM comments c
        WHERE to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(c.body, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x'))
              @@ CAST(:comments_match AS tsquery)
          AND c.post_id + 0 < near.low
        GROUP BY 1 ORDER BY 1 DESC LIMIT :limit
    ) AS far
    WHERE near.found < :limit AND near.seen = :window
), hits AS (
    SELECT post_id, NULL::integer AS comment_id FROM near_posts
    UNION ALL SELECT post_id, comment_id FROM near_comments
    UNION ALL SELECT post_id, NULL FROM mid_posts
    UNION ALL SELECT post_id, NULL FROM far_posts
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
-- As in search.sqlite.sql: counted no further than :at_most + 1. A word in most posts is
-- counted among the newest posts alone: when :at_most + 1 of the newest 2 × (:at_most + 1)
-- match (`near`, walked as search_posts walks them), that is the answer ("more than"),
-- where the indexes read every match first (`the`: 400 ms). Otherwise, and when the count
-- goes far (10,000 and more), the indexes count: ORDER BY `+ 0` makes each side read every
-- match before its LIMIT (with a bare LIMIT the planner scans the whole table computing
-- each tsvector, as it expects a match soon: 20 s for a rare word), so the GIN index gives
-- the matches, a bitmap, and the LIMIT only trims them.
WITH recent AS MATERIALIZED (
    SELECT coalesce(min(id), 0) AS low,
           ARRAY(SELECT chr(37) || m[1] || chr(37)
                 FROM regexp_matches(:comments_match, '''x([^'']*)''', 'g') AS m) AS patterns
    FROM (SELECT id FROM posts ORDER BY id DESC
          LIMIT CASE WHEN :at_most < 10000 THEN 2 * (:at_most + 1) ELSE 0 END) AS newest
), near AS MATERIALIZED (
    SELECT count(*) AS found FROM recent CROSS JOIN LATERAL (
        SELECT p.id FROM posts p
        WHERE p.id >= recent.low
          AND lower(p.title || ' ' || p.content) LIKE ALL (recent.patterns)
          AND ts_match_vq(
                setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(p.title, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'A')
                || setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(p.content, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'B'),
                CAST(:posts_match AS tsquery))
        ORDER BY p.id DESC LIMIT :at_most + 1) AS hit
    WHERE recent.low > 0
)
SELECT CASE WHEN near.found > :at_most THEN near.found ELSE (
    SELECT count(*) FROM (
        (SELECT p.id AS post_id FROM posts p
         WHERE (setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(title, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'A')
                || setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(content, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'B'))
               @@ CAST(:posts_match AS tsquery)
         ORDER BY p.id + 0 LIMIT :at_most + 1)
        UNION
        (SELECT DISTINCT c.post_id + 0 FROM comments c
         WHERE to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(body, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x'))
               @@ CAST(:comments_match AS tsquery)
         ORDER BY 1 LIMIT :at_most + 1)
    ) AS found
) END
FROM near;
