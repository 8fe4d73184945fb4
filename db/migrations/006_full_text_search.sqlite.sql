-- Full-text search over posts (title, content) and comments (body): see desktop/store/search.py
-- for what a word is. Contentless FTS5 tables hold only the index (the text stays in posts
-- and comments, read from there); triggers keep them in step with every change, made by
-- Postdesk or by any other program. remove_diacritics 0: accents are kept, as PostgreSQL's
-- 'simple' configuration keeps them, so both backends find the same posts. The first
-- 100,000 characters of each text are indexed: PostgreSQL refuses a tsvector over 1 MB,
-- which a long text of many different words reaches, and both index the same part.

CREATE VIRTUAL TABLE posts_search USING fts5(
    title, content, content = '', tokenize = 'unicode61 remove_diacritics 0'
);

CREATE VIRTUAL TABLE comments_search USING fts5(
    body, content = '', tokenize = 'unicode61 remove_diacritics 0'
);

INSERT INTO posts_search (rowid, title, content) SELECT id, substr(title, 1, 100000), substr(content, 1, 100000) FROM posts;

INSERT INTO comments_search (rowid, body) SELECT id, substr(body, 1, 100000) FROM comments;

CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_search (rowid, title, content) VALUES (new.id, substr(new.title, 1, 100000), substr(new.content, 1, 100000));
END;

-- A contentless table forgets a row only when told the exact text it indexed.
CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_search (posts_search, rowid, title, content)
    VALUES ('delete', old.id, substr(old.title, 1, 100000), substr(old.content, 1, 100000));
END;

CREATE TRIGGER posts_search_update AFTER UPDATE ON posts
WHEN old.id IS NOT new.id OR old.title IS NOT new.title OR old.content IS NOT new.content
BEGIN
    INSERT INTO posts_search (posts_search, rowid, title, content)
    VALUES ('delete', old.id, substr(old.title, 1, 100000), substr(old.content, 1, 100000));
    INSERT INTO posts_search (rowid, title, content) VALUES (new.id, substr(new.title, 1, 100000), substr(new.content, 1, 100000));
END;

CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_search (rowid, body) VALUES (new.id, substr(new.body, 1, 100000));
END;

CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_search (comments_search, rowid, body) VALUES ('delete', old.id, substr(old.body, 1, 100000));
END;

CREATE TRIGGER comments_search_update AFTER UPDATE ON comments
WHEN old.id IS NOT new.id OR old.body IS NOT new.body
BEGIN
    INSERT INTO comments_search (comments_search, rowid, body) VALUES ('delete', old.id, substr(old.body, 1, 100000));
    INSERT INTO comments_search (rowid, body) VALUES (new.id, substr(new.body, 1, 100000));
END;
