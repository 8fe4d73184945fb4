-- For each of a list of emails, in the order given: the email, its key under the unique
-- index's own rule (lower(email): SQLite folds only ASCII letters) and the id of the user
-- who already has it, or NULL. One round trip checks a thousand rows of an imported file,
-- and duplicates inside the file are found by the same rule the index applies.
-- :emails is a JSON array of strings. db/queries/importing.postgresql.sql is the twin.

-- name: emails_in_use(emails)
SELECT given.value, lower(given.value), u.id
FROM json_each(:emails) AS given
LEFT JOIN users u ON lower(u.email) = lower(given.value)
ORDER BY given.key;
