-- Row versions and a change log, so that every change made by anyone (another Postdesk,
-- psql) is seen: the stale-save check compares versions, and the open window asks the log
-- what changed since it last looked, woken by NOTIFY. See db/migrations/README.md.

ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE posts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE comments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- One row per record ever changed (upserted), stamped with the id of the transaction that
-- changed it last. A reader keeps the snapshot of its last look and asks for the rows
-- whose transaction that snapshot did not see: exact even when transactions commit out of
-- the order they started in, and no counter row that every writer would queue for.
CREATE TABLE change_log (
    table_name TEXT NOT NULL,
    row_id     INTEGER NOT NULL,
    op         TEXT NOT NULL,
    xid        BIGINT NOT NULL,
    PRIMARY KEY (table_name, row_id)
);

CREATE INDEX idx_change_log_stamp ON change_log (xid);

CREATE FUNCTION postdesk_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END;
$$;

-- Statement-level, over the transition table: a COPY or an UPDATE of 10,000 rows logs
-- them in one INSERT and sends one notification. A bulk load pauses it for its own
-- transaction (set_config(..., true)) and logs one row per table instead.
CREATE FUNCTION postdesk_log_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('postdesk.change_log', true) = 'paused' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (table_name, row_id, op, xid)
        SELECT TG_TABLE_NAME, id, 'D', txid_current() FROM old_rows
        ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, xid = excluded.xid;
    ELSE
        INSERT INTO change_log (table_name, row_id, op, xid)
        SELECT TG_TABLE_NAME, id, left(TG_OP, 1), txid_current() FROM new_rows
        ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, xid = excluded.xid;
    END IF;
    PERFORM pg_notify('postdesk_changes', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_version BEFORE UPDATE ON users
FOR EACH ROW EXECUTE FUNCTION postdesk_bump_version();

CREATE TRIGGER posts_version BEFORE UPDATE ON posts
FOR EACH ROW EXECUTE FUNCTION postdesk_bump_version();

CREATE TRIGGER comments_version BEFORE UPDATE ON comments
FOR EACH ROW EXECUTE FUNCTION postdesk_bump_version();

CREATE TRIGGER users_logged_insert AFTER INSERT ON users
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();

CREATE TRIGGER users_logged_update AFTER UPDATE ON users
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();

CREATE TRIGGER users_logged_delete AFTER DELETE ON users
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();

CREATE TRIGGER posts_logged_insert AFTER INSERT ON posts
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();

CREATE TRIGGER posts_logged_update AFTER UPDATE ON posts
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();

CREATE TRIGGER posts_logged_delete AFTER DELETE ON posts
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();

CREATE TRIGGER comments_logged_insert AFTER INSERT ON comments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();

CREATE TRIGGER comments_logged_update AFTER UPDATE ON comments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();

CREATE TRIGGER comments_logged_delete AFTER DELETE ON comments
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_log_changes();
