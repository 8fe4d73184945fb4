-- Adopting a SQLite database, step 1: copy the rows aside and drop the tables built from
-- the specification (their indexes go with them), so that migration 001 builds them again
-- exactly as it builds them everywhere (its created_at default writes UTC ISO-8601 text;
-- SQLite cannot change a column's default in place).
CREATE TEMP TABLE adopt_users AS SELECT id, name, email, created_at FROM main.users;
CREATE TEMP TABLE adopt_posts AS SELECT id, user_id, title, content, created_at FROM main.posts;
CREATE TEMP TABLE adopt_comments AS SELECT id, post_id, body FROM main.comments;
DROP TABLE main.comments;
DROP TABLE main.posts;
DROP TABLE main.users;
