-- Merging (SQLite side; merging.postgresql.sql is the twin, merging.sql what they share).

-- For each of a list of emails, in the order given: the email, its key under the unique
-- index's own rule (lower(email): SQLite folds only ASCII letters), and the id and name of
-- the user here who has it, or NULLs. :emails is a JSON array of strings.
-- name: merge_match_users(emails)
SELECT given.value, lower(given.value), u.id, u.name
FROM json_each(:emails) AS given
LEFT JOIN users u ON lower(u.email) = lower(given.value)
ORDER BY given.key;

-- Timestamps arrive as the copy reads them (UTC ISO-8601 text), the form SQLite stores.
-- name: merge_insert_user(name, email, created_at)$
INSERT INTO users (name, email, created_at) VALUES (:name, :email, :created_at) RETURNING id;

-- name: merge_insert_post(user_id, title, content, created_at)$
INSERT INTO posts (user_id, title, content, created_at)
VALUES (:user_id, :title, :content, :created_at) RETURNING id;

-- Which of a list of post ids (a JSON array) are still here.
-- name: merge_existing_posts(ids)
SELECT p.id FROM json_each(:ids) AS given JOIN posts p ON p.id = given.value;
