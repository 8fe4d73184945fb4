-- Row locks held until the transaction ends, so that what a delete was asked about cannot
-- change between the check and the delete. FOR UPDATE also makes another connection's
-- insert of a child row wait: its foreign-key check needs a share lock on the parent row
-- (FOR KEY SHARE) that FOR UPDATE excludes. db/queries/locks.sqlite.sql is the twin.

-- name: lock_user(id)$
SELECT id FROM users WHERE id = :id FOR UPDATE;

-- The user's posts, so that no comment can be added to one; returns how many.
-- name: lock_posts_of_user(user_id)$
SELECT count(*) FROM (SELECT id FROM posts WHERE user_id = :user_id FOR UPDATE) AS locked;

-- name: lock_post(id)$
SELECT id FROM posts WHERE id = :id FOR UPDATE;
