-- Merging (PostgreSQL side; merging.sqlite.sql is the twin, merging.sql what they share).

-- For each of a list of emails, in the order given: the email, its key under the unique
-- index's own rule (lower(email)), and the id and name of the user here who has it, or
-- NULLs. :emails is a JSON array of strings.
-- name: merge_match_users(emails)
SELECT given.value, lower(given.value), u.id, u.name
FROM json_array_elements_text(CAST(:emails AS json)) WITH ORDINALITY AS given (value, n)
LEFT JOIN users u ON lower(u.email) = lower(given.value)
ORDER BY given.n;

-- Timestamps arrive as the copy reads them (UTC ISO-8601 text), read as the instant they
-- name; posts and comments go through the bulk path (COPY) with ids given below.
-- name: merge_insert_user(name, email, created_at)$
INSERT INTO users (name, email, created_at)
VALUES (:name, :email, CAST(:created_at AS timestamptz)) RETURNING id;

-- Which of a list of post ids (a JSON array) are still here.
-- name: merge_existing_posts(ids)
SELECT p.id FROM json_array_elements_text(CAST(:ids AS json)) AS given (value)
JOIN posts p ON p.id = CAST(given.value AS integer);

-- Ids for :count new rows from the table's own sequence: nobody else can be given them.
-- name: merge_new_post_ids(count)
SELECT nextval(pg_get_serial_sequence('posts', 'id')) FROM generate_series(1, :count);

-- name: merge_new_comment_ids(count)
SELECT nextval(pg_get_serial_sequence('comments', 'id')) FROM generate_series(1, :count);
