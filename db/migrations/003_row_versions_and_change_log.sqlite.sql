-- Row versions and a change log, so that every change made by anyone (another Postdesk,
-- the sqlite3 shell) is seen: the stale-save check compares versions, and the open window
-- asks the log what changed since it last looked. See db/migrations/README.md.

ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE posts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE comments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- One row per record ever changed (upserted), stamped with the change counter's value at
-- its latest change: a burst of changes to one record is one row, and the log never holds
-- more rows than records ever made.
CREATE TABLE change_log (
    table_name TEXT NOT NULL,
    row_id     INTEGER NOT NULL,
    op         TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (table_name, row_id)
);

CREATE INDEX idx_change_log_stamp ON change_log (seq);

-- SQLite has one writer at a time, so the counter grows in commit order. A bulk load sets
-- `paused` inside its own transaction (nobody else sees it) and logs one row per table.
CREATE TABLE change_counter (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    seq    INTEGER NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0
);

INSERT INTO change_counter (id, seq) VALUES (1, 0);

-- The version goes up by one on every UPDATE, whoever makes it. The inner UPDATE sets a
-- new version, so the WHEN clause stops it from firing again even with recursive triggers.
CREATE TRIGGER users_version AFTER UPDATE ON users
WHEN new.version = old.version
BEGIN
    UPDATE users SET version = old.version + 1 WHERE id = new.id;
END;

CREATE TRIGGER posts_version AFTER UPDATE ON posts
WHEN new.version = old.version
BEGIN
    UPDATE posts SET version = old.version + 1 WHERE id = new.id;
END;

CREATE TRIGGER comments_version AFTER UPDATE ON comments
WHEN new.version = old.version
BEGIN
    UPDATE comments SET version = old.version + 1 WHERE id = new.id;
END;

CREATE TRIGGER users_logged_insert AFTER INSERT ON users
WHEN (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('users', new.id, 'I', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;

CREATE TRIGGER users_logged_update AFTER UPDATE ON users
WHEN new.version <> old.version AND (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('users', new.id, 'U', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;

CREATE TRIGGER users_logged_delete AFTER DELETE ON users
WHEN (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('users', old.id, 'D', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;

CREATE TRIGGER posts_logged_insert AFTER INSERT ON posts
WHEN (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('posts', new.id, 'I', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;

CREATE TRIGGER posts_logged_update AFTER UPDATE ON posts
WHEN new.version <> old.version AND (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('posts', new.id, 'U', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;

CREATE TRIGGER posts_logged_delete AFTER DELETE ON posts
WHEN (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('posts', old.id, 'D', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;

CREATE TRIGGER comments_logged_insert AFTER INSERT ON comments
WHEN (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('comments', new.id, 'I', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;

CREATE TRIGGER comments_logged_update AFTER UPDATE ON comments
WHEN new.version <> old.version AND (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('comments', new.id, 'U', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;

CREATE TRIGGER comments_logged_delete AFTER DELETE ON comments
WHEN (SELECT paused FROM change_counter WHERE id = 1) = 0
BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    INSERT INTO change_log (table_name, row_id, op, seq)
    VALUES ('comments', old.id, 'D', (SELECT seq FROM change_counter WHERE id = 1))
    ON CONFLICT (table_name, row_id) DO UPDATE SET op = excluded.op, seq = excluded.seq;
END;
