-- Adopting a SQLite database, step 3 (after migration 001 has built the tables): the rows
-- back, with the ids they had.
INSERT INTO main.users (id, name, email, created_at)
SELECT id, name, email, created_at FROM temp.adopt_users ORDER BY id;
INSERT INTO main.posts (id, user_id, title, content, created_at)
SELECT id, user_id, title, content, created_at FROM temp.adopt_posts ORDER BY id;
INSERT INTO main.comments (id, post_id, body)
SELECT id, post_id, body FROM temp.adopt_comments ORDER BY id;
DROP TABLE temp.adopt_comments;
DROP TABLE temp.adopt_posts;
DROP TABLE temp.adopt_users;
