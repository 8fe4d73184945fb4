-- Nothing changes on PostgreSQL (a version needs both halves): 011 puts the email in SQLite's
-- name index so that a filter tests both columns without reading each user's row. PostgreSQL
-- reads a filtered page of users in 2-3 ms on the benchmark's 100,000 (its heap pages stay in
-- shared buffers), and an index-only scan there would also depend on the visibility map.
SELECT 1;
