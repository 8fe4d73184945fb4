-- Merging (PostgreSQL side; merging.sqlite.sql is the twin, merging.sql what they share).

-- For each of a list of emails, in the order given: the email, its key under the unique
-- index's own rule (lower(email)), and the id and name of the user here who has it, or
-- NULLs. :emails is a JSON array of strings.
-- name: merge_match_users(emails)
SELECT given.value, lower(given.value), u.id, u.name
FROM json_array_elements_text(CAST(:emails AS json)) WITH ORDINALITY AS given (value, n)
LEFT JOIN users u ON lower(u.email) = lower(given.value)
ORDER BY given.n;

-- Timestamps arrive as the copy reads them (UTC ISO-8601 text), read as the instant they name.
-- name: merge_insert_user(name, email, created_at)$
INSERT INTO users (name, email, created_at)
VALUES (:name, :email, CAST(:created_at AS timestamptz)) RETURNING id;

-- name: merge_insert_post(user_id, title, content, created_at)$
INSERT INTO posts (user_id, title, content, created_at)
VALUES (:user_id, :title, :content, CAST(:created_at AS timestamptz)) RETURNING id;

-- Which of a list of post ids (a JSON array) are still here.
-- name: merge_existing_posts(ids)
SELECT p.id FROM json_array_elements_text(CAST(:ids AS json)) AS given (value)
JOIN posts p ON p.id = CAST(given.value AS integer);
