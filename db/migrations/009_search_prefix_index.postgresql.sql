-- Nothing changes on PostgreSQL (a version needs both halves): the prefix indexes of 009 are
-- SQLite's, whose FTS5 merges the lists of every word that starts with a prefix before its
-- first row, where a GIN index reads a prefix's words from one range of its tree.
-- PostgreSQL's search was made faster in its queries instead (db/queries/search.postgresql.sql:
-- no JIT compiler, a longer walk of the newest posts). A stored tsvector column would spare
-- computing each text's words per row, but would rewrite every post and comment (5,000,000
-- comments on the benchmark set) for a part of the search that now takes a few
-- milliseconds; it was not tried.
SELECT 1;
