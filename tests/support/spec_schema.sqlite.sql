-- The schema of seeds/database-design.txt typed straight from its tables, in SQLite's
-- words, as a project started from that text would create it (no Postdesk involved):
-- INTEGER PK AUTOINCREMENT; TEXT NOT NULL; email UNIQUE, NOT NULL; FK -> users.id, NOT NULL;
-- created_at TIMESTAMP DEFAULT NOW, which SQLite spells CURRENT_TIMESTAMP.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT UNIQUE NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    FOREIGN KEY (post_id) REFERENCES posts (id)
);

CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_posts_user ON posts (user_id);
