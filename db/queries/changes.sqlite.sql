-- What other connections changed: see desktop/store/changes.py. The cursor is the change
-- counter's value, as text (PostgreSQL's is a snapshot); the log holds one row per record.

-- Bumped when another connection commits (never by this connection's own commits): while
-- it stands still, nothing needs reading.
-- name: data_version()$
PRAGMA data_version;

-- name: change_cursor()$
SELECT CAST(seq AS TEXT) FROM change_counter WHERE id = 1;

-- One statement, so the new cursor and the rows come from the same moment: one row per
-- table changed, its ids joined by commas (a burst of thousands of records is three rows,
-- and no loop over them in Python), and at least one row (the cursor, with NULLs) even
-- when nothing changed.
-- name: changes_since(after)
SELECT CAST(k.seq AS TEXT), l.table_name, group_concat(l.row_id, ',')
FROM change_counter k
LEFT JOIN change_log l ON l.seq > CAST(:after AS INTEGER)
WHERE k.id = 1
GROUP BY l.table_name;

-- A bulk load logs no row per record: inside its transaction (which holds the write lock,
-- so nobody sees the flag) the triggers are paused, and each table loaded is logged once
-- as row 0, which tells an open window to read its lists again.
-- name: pause_change_log()!
UPDATE change_counter SET paused = 1 WHERE id = 1;

-- name: resume_change_log()!
UPDATE change_counter SET paused = 0, seq = seq + 1 WHERE id = 1;

-- name: log_whole_table(table_name)!
INSERT INTO change_log (table_name, row_id, op, seq)
VALUES (:table_name, 0, 'B', (SELECT seq FROM change_counter WHERE id = 1))
ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
