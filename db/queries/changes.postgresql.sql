-- What other sessions changed: see desktop/store/changes.py. The cursor is the snapshot
-- of the last look, as text; the log holds one row per record, stamped with the id of the
-- transaction that changed it last.

-- PostgreSQL has no cheap per-connection change counter: NULL means "ask changes_since".
-- name: data_version()$
SELECT CAST(NULL AS BIGINT);

-- name: change_cursor()$
SELECT CAST(txid_current_snapshot() AS TEXT);

-- The rows whose transaction the last look's snapshot did not see (finished since, or
-- started after it); txid_current_snapshot() is this statement's own snapshot, so nothing
-- falls between two looks. The index on xid starts at the old snapshot's oldest
-- transaction. One row per table changed, its ids joined by commas (a burst of thousands
-- of records is three rows, and no loop over them in Python), and at least one row (the
-- cursor, with NULLs) even when nothing changed.
-- name: changes_since(after)
SELECT s.now, l.table_name, string_agg(CAST(l.row_id AS TEXT), ',')
FROM (SELECT CAST(txid_current_snapshot() AS TEXT) AS now) AS s
LEFT JOIN change_log l
  ON l.xid >= txid_snapshot_xmin(CAST(:after AS txid_snapshot))
 AND NOT txid_visible_in_snapshot(l.xid, CAST(:after AS txid_snapshot))
GROUP BY s.now, l.table_name;

-- A bulk load logs no row per record: for its own transaction only (set_config's `true`,
-- so a transaction pooler is no trouble) the log triggers are paused, and each table
-- loaded is logged once as row 0, which tells an open window to read its lists again.
-- name: pause_change_log()!
SELECT set_config('postdesk.change_log', 'paused', true);

-- name: resume_change_log()!
SELECT set_config('postdesk.change_log', '', true);

-- name: log_whole_table(table_name)!
INSERT INTO change_log (table_name, row_id, op, xid)
VALUES (:table_name, 0, 'B', txid_current())
ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, xid = excluded.xid;
