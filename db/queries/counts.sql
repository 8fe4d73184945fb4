-- Whole-table counts, for seeding reports and the status bar.

-- name: table_counts()^
SELECT (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM posts) AS posts,
       (SELECT count(*) FROM comments) AS comments;
