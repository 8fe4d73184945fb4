-- Every column of every list sorts (users by name, email and number of posts; posts by
-- title and date; comments in the order written), each order keyset-paged on an index that
-- matches it. A B-tree serves both directions when all its columns flip together.
-- See db/migrations/README.md ("Sort orders and the post counter").

-- The number of posts of each user, kept true by the triggers below whoever writes (the
-- app, psql, a COPY), so that "users by number of posts" pages on an index. It is a table
-- of its own: counted in `users`, every new post would bump its author's row version (a
-- false "changed by someone else" for whoever edits that user) and log the user as changed.
CREATE TABLE user_post_counts (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    post_count BIGINT NOT NULL DEFAULT 0
);

INSERT INTO user_post_counts (user_id, post_count)
SELECT u.id, (SELECT count(*) FROM posts p WHERE p.user_id = u.id) FROM users u;

CREATE INDEX idx_user_post_counts_order ON user_post_counts (post_count, user_id);

-- Statement-level, over the transition tables: a COPY of a million posts is one grouped
-- upsert. Each statement adds, per user, the rows it made minus the rows it removed; the
-- upsert takes the counter rows' locks in user order, so two writers touching the same
-- users queue rather than deadlock, and each adds to the committed count (an UPDATE in
-- READ COMMITTED re-reads a row another transaction changed), so none is lost.
CREATE FUNCTION postdesk_count_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        INSERT INTO user_post_counts (user_id, post_count)
        SELECT id, 0 FROM new_rows ORDER BY id
        ON CONFLICT (user_id) DO NOTHING;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO user_post_counts (user_id, post_count)
        SELECT user_id, count(*) FROM new_rows GROUP BY user_id ORDER BY user_id
        ON CONFLICT (user_id) DO UPDATE
        SET post_count = user_post_counts.post_count + excluded.post_count;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO user_post_counts (user_id, post_count)
        SELECT user_id, -count(*) FROM old_rows GROUP BY user_id ORDER BY user_id
        ON CONFLICT (user_id) DO UPDATE
        SET post_count = user_post_counts.post_count + excluded.post_count;
    ELSE
        -- A post moved to another author counts -1 for the old one and +1 for the new one;
        -- an edited title nets 0 and writes nothing.
        INSERT INTO user_post_counts (user_id, post_count)
        SELECT user_id, sum(n) FROM (
            SELECT user_id, -1 AS n FROM old_rows
            UNION ALL
            SELECT user_id, 1 FROM new_rows
        ) AS delta
        GROUP BY user_id HAVING sum(n) <> 0 ORDER BY user_id
        ON CONFLICT (user_id) DO UPDATE
        SET post_count = user_post_counts.post_count + excluded.post_count;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_counted_insert AFTER INSERT ON users
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_count_posts();

CREATE TRIGGER posts_counted_insert AFTER INSERT ON posts
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_count_posts();

CREATE TRIGGER posts_counted_update AFTER UPDATE ON posts
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_count_posts();

CREATE TRIGGER posts_counted_delete AFTER DELETE ON posts
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION postdesk_count_posts();

-- Users by email: idx_users_email (email) already orders them (emails are unique).
-- A user's posts by title, keyset-paged on (title, id).
CREATE INDEX idx_posts_user_title ON posts (user_id, title, id);
