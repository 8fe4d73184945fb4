-- Comments of one post in id order, keyset-paged on id.

-- name: list_comments(post_id, after_id, limit)
SELECT c.id, c.post_id, c.body, c.version
FROM comments c
WHERE c.post_id = :post_id AND c.id > :after_id
ORDER BY c.id
LIMIT :limit;

-- name: count_comments(post_id)$
SELECT count(*) FROM comments WHERE post_id = :post_id;

-- name: get_comment(id)^
SELECT id, post_id, body, version FROM comments WHERE id = :id;

-- name: insert_comment(post_id, body)$
INSERT INTO comments (post_id, body) VALUES (:post_id, :body) RETURNING id;

-- name: update_comment(id, body)!
UPDATE comments SET body = :body WHERE id = :id;

-- name: delete_comment(id)!
DELETE FROM comments WHERE id = :id;

-- Only over the version the person edited (see update_user_if_unchanged).
-- name: update_comment_if_unchanged(id, body, old_version)!
UPDATE comments SET body = :body WHERE id = :id AND version = :old_version;

-- name: find_comment(post_id, body)$
SELECT id FROM comments WHERE post_id = :post_id AND body = :body ORDER BY id DESC LIMIT 1;

-- Comments from a position in id order (see users_at).
-- name: comments_at(post_id, offset, limit)
SELECT c.id, c.post_id, c.body, c.version
FROM comments c
WHERE c.post_id = :post_id
ORDER BY c.id
LIMIT :limit OFFSET :offset;
