-- Merging (SQLite side; merging.postgresql.sql is the twin, merging.sql what they share).

-- For each of a list of emails, in the order given: the email, its key under the unique
-- index's own rule (lower(email): SQLite folds only ASCII letters), and the id and name of
-- the user here who has it, or NULLs. :emails is a JSON array of strings.
-- name: merge_match_users(emails)
SELECT given.value, lower(given.value), u.id, u.name
FROM json_each(:emails) AS given
LEFT JOIN users u ON lower(u.email) = lower(given.value)
ORDER BY given.key;

-- Timestamps arrive as the copy reads them (UTC ISO-8601 text), the form SQLite stores;
-- posts and comments go through the bulk path (Backend.bulk_insert) with ids given below.
-- name: merge_insert_user(name, email, created_at)$
INSERT INTO users (name, email, created_at) VALUES (:name, :email, :created_at) RETURNING id;

-- Which of a list of post ids (a JSON array) are still here.
-- name: merge_existing_posts(ids)
SELECT p.id FROM json_each(:ids) AS given JOIN posts p ON p.id = given.value;

-- Ids for :count new rows, handed out as AUTOINCREMENT would (after the largest ever
-- given): the merge's write lock (BEGIN IMMEDIATE) keeps anyone else from taking them
-- before its bulk insert does.
-- name: merge_new_post_ids(count)
WITH RECURSIVE n (i) AS (SELECT 1 WHERE :count > 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'posts'), 0),
           coalesce((SELECT max(id) FROM posts), 0)) + i
FROM n ORDER BY i;

-- name: merge_new_comment_ids(count)
WITH RECURSIVE n (i) AS (SELECT 1 WHERE :count > 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'comments'), 0),
           coalesce((SELECT max(id) FROM comments), 0)) + i
FROM n ORDER BY i;
