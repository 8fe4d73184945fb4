-- The writes of adopting a SQLite database (db/adoption/steps/ holds the scripts around
-- them). Foreign-key enforcement is switched off around the rebuild, as SQLite's own
-- procedure for changing a table asks; it can only change outside a transaction.

-- name: foreign_keys_enforced()$
PRAGMA foreign_keys;

-- name: stop_enforcing_foreign_keys()!
PRAGMA foreign_keys = OFF;

-- name: enforce_foreign_keys()!
PRAGMA foreign_keys = ON;

-- name: retime_user(id, created_at)!
UPDATE users SET created_at = :created_at WHERE id = :id;

-- name: retime_post(id, created_at)!
UPDATE posts SET created_at = :created_at WHERE id = :id;

-- AUTOINCREMENT's counters: an id handed out once is never handed out again, even when
-- its row was deleted, so the rebuilt tables keep counting from where the old ones were.
-- name: has_sequences()$
SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence';

-- name: sequences()
SELECT name, seq FROM sqlite_sequence WHERE name IN ('users', 'posts', 'comments');

-- name: raise_sequence(name, seq)!
UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = :name;

-- name: add_sequence(name, seq)!
INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq);
