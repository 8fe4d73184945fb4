-- Users. Lists are keyset-paged on (name, id); :pattern is a lower-case LIKE pattern
-- with \ as its escape character ('%' matches everyone).

-- name: list_users(pattern, after_name, after_id, limit)
SELECT u.id, u.name, u.email, u.created_at,
       (SELECT count(*) FROM posts p WHERE p.user_id = u.id) AS post_count, u.version
FROM users u
WHERE (lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\')
  AND (u.name, u.id) > (:after_name, :after_id)
ORDER BY u.name, u.id
LIMIT :limit;

-- name: count_users(pattern)$
SELECT count(*)
FROM users u
WHERE lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\';

-- name: get_user(id)^
SELECT u.id, u.name, u.email, u.created_at,
       (SELECT count(*) FROM posts p WHERE p.user_id = u.id) AS post_count, u.version
FROM users u
WHERE u.id = :id;

-- name: user_id_by_email(email)$
SELECT id FROM users WHERE lower(email) = lower(:email);

-- name: insert_user(name, email)$
INSERT INTO users (name, email) VALUES (:name, :email) RETURNING id;

-- name: update_user(id, name, email)!
UPDATE users SET name = :name, email = :email WHERE id = :id;

-- What deleting a user takes with it: their posts and those posts' comments, counted, and
-- the sums of their ids, which tell a post put in another's place from the one a person was
-- told about.
-- name: user_delete_counts(user_id)^
SELECT p.n, p.ids, c.n, c.ids
FROM (SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS BIGINT) AS ids
      FROM posts WHERE user_id = :user_id) AS p,
     (SELECT count(*) AS n, CAST(coalesce(sum(c.id), 0) AS BIGINT) AS ids
      FROM comments c JOIN posts q ON q.id = c.post_id WHERE q.user_id = :user_id) AS c;

-- name: delete_comments_of_user(user_id)!
DELETE FROM comments WHERE post_id IN (SELECT id FROM posts WHERE user_id = :user_id);

-- name: delete_posts_of_user(user_id)!
DELETE FROM posts WHERE user_id = :user_id;

-- name: delete_user(id)!
DELETE FROM users WHERE id = :id;

-- Only over the version the person edited: a trigger bumps it on every UPDATE, whoever
-- makes it, so a change put back or one to another column is seen too.
-- name: update_user_if_unchanged(id, name, email, old_version)!
UPDATE users SET name = :name, email = :email
WHERE id = :id AND version = :old_version;

-- Users from a position in name order: for a jump into the middle of a long list (a
-- scroll-bar drag, Ctrl+End). Scrolling on from there uses list_users' keyset.
-- name: users_at(pattern, offset, limit)
SELECT u.id, u.name, u.email, u.created_at,
       (SELECT count(*) FROM posts p WHERE p.user_id = u.id) AS post_count, u.version
FROM users u
WHERE lower(u.name) LIKE lower(:pattern) ESCAPE '\' OR lower(u.email) LIKE lower(:pattern) ESCAPE '\'
ORDER BY u.name, u.id
LIMIT :limit OFFSET :offset;

-- Without a filter the counts and jumps need not look at any row: the index answers.
-- name: count_all_users()$
SELECT count(*) FROM users;

-- name: all_users_at(offset, limit)
SELECT u.id, u.name, u.email, u.created_at,
       (SELECT count(*) FROM posts p WHERE p.user_id = u.id) AS post_count, u.version
FROM users u
WHERE u.id IN (SELECT id FROM users ORDER BY name, id LIMIT :limit OFFSET :offset)
ORDER BY u.name, u.id;
