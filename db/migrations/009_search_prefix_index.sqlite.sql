-- The full-text tables of 006 again, with prefix indexes for prefixes of 2 and 3 characters.
-- Every word typed is a prefix (desktop/store/search.py): without a prefix index FTS5 merges
-- the lists of every word starting with it, over the whole table, before it hands out the
-- first row (`the` over a million posts: 60-180 ms, each time it is asked); with one, a
-- prefix of a configured length is a single list, read lazily in rowid order, and a page
-- stops after its rows. Short prefixes are the ones that begin many words (README,
-- "Search", has the measurements that chose these lengths; each length costs about as much
-- as the index itself again). A word of another length is searched as the words the index
-- holds that start with it, each a lazy list too: the `*_search_words` tables list them
-- (fts5vocab, one row per occurrence, read in word order a row at a time; see
-- db/queries/search.sqlite.sql, search_words).
--
-- The triggers of 006 name the tables, not their definition, and stay as they are; the
-- fills run in id ranges (db/migrations/README.md, "Long fills"), and a cancel leaves 006's
-- tables as they were. During each fill FTS5 gathers 16 MiB before it writes a segment
-- (`hashsize`; 1 MiB, its default, is set back after): the fill takes half the time.

DROP TABLE posts_search;

CREATE VIRTUAL TABLE posts_search USING fts5(
    title, content, content = '', tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
);

INSERT INTO posts_search (posts_search, rank) VALUES ('hashsize', 16777216);

INSERT INTO posts_search (rowid, title, content) SELECT id, substr(title, 1, 100000), substr(content, 1, 100000) FROM posts;

INSERT INTO posts_search (posts_search, rank) VALUES ('hashsize', 1048576);

DROP TABLE comments_search;

CREATE VIRTUAL TABLE comments_search USING fts5(
    body, content = '', tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
);

INSERT INTO comments_search (comments_search, rank) VALUES ('hashsize', 16777216);

INSERT INTO comments_search (rowid, body) SELECT id, substr(body, 1, 100000) FROM comments;

INSERT INTO comments_search (comments_search, rank) VALUES ('hashsize', 1048576);

CREATE VIRTUAL TABLE posts_search_words USING fts5vocab(posts_search, instance);

CREATE VIRTUAL TABLE comments_search_words USING fts5vocab(comments_search, instance);
