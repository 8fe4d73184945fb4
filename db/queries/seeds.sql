-- Look-ups that make loading the demo data idempotent.

-- name: post_id_by_title(user_id, title)$
SELECT id FROM posts WHERE user_id = :user_id AND title = :title ORDER BY id LIMIT 1;

-- name: comment_id_by_body(post_id, body)$
SELECT id FROM comments WHERE post_id = :post_id AND body = :body ORDER BY id LIMIT 1;

-- name: max_ids()^
SELECT (SELECT coalesce(max(id), 0) FROM users) AS users,
       (SELECT coalesce(max(id), 0) FROM posts) AS posts,
       (SELECT coalesce(max(id), 0) FROM comments) AS comments;
