-- Canonical schema, SQLite form: what every migration in db/migrations/ adds up to.
-- The PostgreSQL form is db/schema.postgresql.sql; tests/store/test_schema_drift.py keeps both true.

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE posts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    title      TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE comments (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    body    TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_posts_user ON posts (user_id);


-- An email is taken whatever its case: the database enforces it too, not only the app.
CREATE UNIQUE INDEX idx_users_email_lower ON users (lower(email));

-- Users by name, keyset-paged on (name, id); the email too, so that a filter on the name
-- or the email is tested in the index (011).
CREATE INDEX idx_users_name ON users (name, id, email);

-- A user's posts newest first, keyset-paged on (created_at, id); the title too, so that a
-- title filter is tested in the index (012).
CREATE INDEX idx_posts_user_created ON posts (user_id, created_at DESC, id DESC, title);

-- A post's comments in id order; also what deleting a post looks up.
CREATE INDEX idx_comments_post ON comments (post_id, id);

-- Row versions and the change log (migration 003).

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

-- Full-text search over posts (title, content) and comments (body): see desktop/store/search.py
-- for what a word is. Contentless FTS5 tables hold only the index (the text stays in posts
-- and comments, read from there); triggers keep them in step with every change, made by
-- Postdesk or by any other program. remove_diacritics 0: accents are kept, as PostgreSQL's
-- 'simple' configuration keeps them, so both backends find the same posts. The first
-- 100,000 characters of each text are indexed: PostgreSQL refuses a tsvector over 1 MB,
-- which a long text of many different words reaches, and both index the same part.
-- Prefix indexes of 2 and 3 characters (migration 009): every word typed is a prefix.

CREATE VIRTUAL TABLE posts_search USING fts5(
    title, content, content = '', tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
);

CREATE VIRTUAL TABLE comments_search USING fts5(
    body, content = '', tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
);

-- The words each index holds, one row per occurrence in word order (migration 009).
CREATE VIRTUAL TABLE posts_search_words USING fts5vocab(posts_search, instance);

CREATE VIRTUAL TABLE comments_search_words USING fts5vocab(comments_search, instance);

CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_search (rowid, title, content) VALUES (new.id, substr(new.title, 1, 100000), substr(new.content, 1, 100000));
END;

-- A contentless table forgets a row only when told the exact text it indexed.
CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_search (posts_search, rowid, title, content)
    VALUES ('delete', old.id, substr(old.title, 1, 100000), substr(old.content, 1, 100000));
END;

CREATE TRIGGER posts_search_update AFTER UPDATE ON posts
WHEN old.id IS NOT new.id OR old.title IS NOT new.title OR old.content IS NOT new.content
BEGIN
    INSERT INTO posts_search (posts_search, rowid, title, content)
    VALUES ('delete', old.id, substr(old.title, 1, 100000), substr(old.content, 1, 100000));
    INSERT INTO posts_search (rowid, title, content) VALUES (new.id, substr(new.title, 1, 100000), substr(new.content, 1, 100000));
END;

CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_search (rowid, body) VALUES (new.id, substr(new.body, 1, 100000));
END;

CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_search (comments_search, rowid, body) VALUES ('delete', old.id, substr(old.body, 1, 100000));
END;

CREATE TRIGGER comments_search_update AFTER UPDATE ON comments
WHEN old.id IS NOT new.id OR old.body IS NOT new.body
BEGIN
    INSERT INTO comments_search (comments_search, rowid, body) VALUES ('delete', old.id, substr(old.body, 1, 100000));
    INSERT INTO comments_search (rowid, body) VALUES (new.id, substr(new.body, 1, 100000));
END;

-- Merging (migration 007): this database's identity, and the rows it received from others.
CREATE TABLE database_identity (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    identity TEXT NOT NULL
);

-- One row per source row received: (source identity, table, id there) -> the id here. No
-- foreign key: a received post deleted here stays received, and is not brought back.
CREATE TABLE merge_receipts (
    source         TEXT NOT NULL,
    table_name     TEXT NOT NULL,
    source_id      INTEGER NOT NULL,
    destination_id INTEGER NOT NULL,
    PRIMARY KEY (source, table_name, source_id)
);

-- What a whole-database copy brought (desktop/store/copying.py): the rows of `origin` with
-- ids up to last_id arrived with the same ids. A merge between a copy and its original
-- then knows those rows are already on both sides, without a receipt per copied row.
CREATE TABLE copied_ranges (
    origin     TEXT NOT NULL,
    table_name TEXT NOT NULL,
    last_id    INTEGER NOT NULL,
    PRIMARY KEY (origin, table_name)
);

-- Every column of every list sorts (users by name, email and number of posts; posts by
-- title and date; comments in the order written), each order keyset-paged on an index that
-- matches it. A B-tree serves both directions when all its columns flip together.
-- Migration 008; see db/migrations/README.md ("Sort orders and the post counter").

-- The number of posts of each user, kept true by the triggers below whoever writes (the
-- app, the sqlite3 shell), so that "users by number of posts" pages on an index. It is a
-- table of its own: counted in `users`, every new post would bump its author's row
-- version (a false "changed by someone else" for whoever edits that user) and log the
-- user as changed. The triggers write only this table: an AFTER INSERT trigger on posts
-- that updated the posts row would corrupt the contentless search index (migration 006).
CREATE TABLE user_post_counts (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    post_count INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX idx_user_post_counts_order ON user_post_counts (post_count, user_id);

-- Every user has a row, 0 to start with: a missing row would drop the user from the order.
CREATE TRIGGER user_post_counts_user_added AFTER INSERT ON users
BEGIN
    INSERT OR IGNORE INTO user_post_counts (user_id, post_count) VALUES (new.id, 0);
END;

-- The foreign key's cascade needs PRAGMA foreign_keys, which the sqlite3 shell leaves off.
CREATE TRIGGER user_post_counts_user_deleted AFTER DELETE ON users
BEGIN
    DELETE FROM user_post_counts WHERE user_id = old.id;
END;

CREATE TRIGGER user_post_counts_post_added AFTER INSERT ON posts
BEGIN
    INSERT INTO user_post_counts (user_id, post_count) VALUES (new.user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET post_count = post_count + 1;
END;

CREATE TRIGGER user_post_counts_post_deleted AFTER DELETE ON posts
BEGIN
    UPDATE user_post_counts SET post_count = post_count - 1 WHERE user_id = old.user_id;
END;

CREATE TRIGGER user_post_counts_post_moved AFTER UPDATE OF user_id ON posts
WHEN new.user_id IS NOT old.user_id
BEGIN
    UPDATE user_post_counts SET post_count = post_count - 1 WHERE user_id = old.user_id;
    INSERT INTO user_post_counts (user_id, post_count) VALUES (new.user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET post_count = post_count + 1;
END;

-- Users by email: idx_users_email (email) already orders them (emails are unique).
-- A user's posts by title, keyset-paged on (title, id).
CREATE INDEX idx_posts_user_title ON posts (user_id, title, id);
