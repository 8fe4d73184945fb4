-- Indexes behind the app's lists and its case-blind email check; the specification's
-- own indexes stay. The same text works on SQLite and PostgreSQL.

-- An email is taken whatever its case: the database enforces it too, not only the app.
CREATE UNIQUE INDEX idx_users_email_lower ON users (lower(email));

-- Users by name, keyset-paged on (name, id).
CREATE INDEX idx_users_name ON users (name, id);

-- A user's posts newest first, keyset-paged on (created_at, id).
CREATE INDEX idx_posts_user_created ON posts (user_id, created_at DESC, id DESC);

-- A post's comments in id order; also what deleting a post looks up.
CREATE INDEX idx_comments_post ON comments (post_id, id);
