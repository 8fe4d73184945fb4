-- Every column of every list sorts (users by name, email and number of posts; posts by
-- title and date; comments in the order written), each order keyset-paged on an index that
-- matches it. A B-tree serves both directions when all its columns flip together.
-- See db/migrations/README.md ("Sort orders and the post counter").

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

INSERT INTO user_post_counts (user_id, post_count)
SELECT u.id, (SELECT count(*) FROM posts p WHERE p.user_id = u.id) FROM users u;

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
