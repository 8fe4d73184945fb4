-- The schema of seeds/database-design.txt typed straight from its tables, in PostgreSQL's
-- words, as a project started from that text would create it (no Postdesk involved):
-- INTEGER PK AUTOINCREMENT is SERIAL; created_at TIMESTAMP (without time zone) DEFAULT NOW().
CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE posts (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE comments (
    id SERIAL PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    body TEXT NOT NULL
);

CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_posts_user ON posts (user_id);
