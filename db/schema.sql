-- Canonical schema, SQLite form: what every migration in db/migrations/ adds up to.
-- The PostgreSQL form is db/schema.postgresql.sql; tests/store/test_schema_drift.py keeps both true.

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE posts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    title      TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE comments (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    body    TEXT NOT NULL
);

CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_posts_user ON posts (user_id);


-- An email is taken whatever its case: the database enforces it too, not only the app.
CREATE UNIQUE INDEX idx_users_email_lower ON users (lower(email));

-- Users by name, keyset-paged on (name, id).
CREATE INDEX idx_users_name ON users (name, id);

-- A user's posts newest first, keyset-paged on (created_at, id).
CREATE INDEX idx_posts_user_created ON posts (user_id, created_at DESC, id DESC);

-- A post's comments in id order; also what deleting a post looks up.
CREATE INDEX idx_comments_post ON comments (post_id, id);
