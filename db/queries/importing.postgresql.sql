-- For each of a list of emails, in the order given: the email, its key under the unique
-- index's own rule (lower(email)) and the id of the user who already has it, or NULL. One
-- round trip checks a thousand rows of an imported file, and duplicates inside the file are
-- found by the same rule the index applies.
-- :emails is a JSON array of strings. db/queries/importing.sqlite.sql is the twin.

-- name: emails_in_use(emails)
SELECT given.value, lower(given.value), u.id
FROM json_array_elements_text(CAST(:emails AS json)) WITH ORDINALITY AS given (value, n)
LEFT JOIN users u ON lower(u.email) = lower(given.value)
ORDER BY given.n;
