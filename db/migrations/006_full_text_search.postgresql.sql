-- Full-text search over posts (title, content) and comments (body): see desktop/store/search.py
-- for what a word is. GIN indexes on expressions, so every change by any program is indexed
-- with no trigger. The text is first made words and single spaces (every run of characters
-- that are not letters or digits becomes a space), so PostgreSQL's parser sees plain words
-- as SQLite's unicode61 tokenizer does (it would otherwise keep `foo.bar`, `a@b.org` or
-- `1.5` whole); 'simple' folds case and neither stems nor drops words or accents.
-- The first 100,000 characters of each text are indexed: a tsvector holds at most 1 MB,
-- which a long text of many different words would pass, and its save would fail.
-- Titles are weight A and contents weight B, so a phrase cannot run from one into the other.
-- db/queries/search.postgresql.sql repeats these expressions exactly: the planner uses an
-- index only for the very expression it was built on.

CREATE INDEX idx_posts_search ON posts USING gin ((
    setweight(to_tsvector('simple', regexp_replace(left(title, 100000), '[^[:alnum:]]+', ' ', 'g')), 'A')
    || setweight(to_tsvector('simple', regexp_replace(left(content, 100000), '[^[:alnum:]]+', ' ', 'g')), 'B')
));

CREATE INDEX idx_comments_search ON comments USING gin ((
    to_tsvector('simple', regexp_replace(left(body, 100000), '[^[:alnum:]]+', ' ', 'g'))
));
