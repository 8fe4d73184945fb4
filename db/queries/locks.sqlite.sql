-- The twins of db/queries/locks.postgresql.sql. SQLite needs no row locks: a write
-- transaction starts with BEGIN IMMEDIATE, which keeps every other writer out until it
-- ends. These answer as the PostgreSQL ones do.

-- name: lock_user(id)$
SELECT id FROM users WHERE id = :id;

-- name: lock_posts_of_user(user_id)$
SELECT count(*) FROM posts WHERE user_id = :user_id;

-- name: lock_post(id)$
SELECT id FROM posts WHERE id = :id;
