-- Nothing changes on PostgreSQL: the prefix indexes of 009 are SQLite's (FTS5 merges every
-- word that starts with a prefix before its first row; a GIN index reads a prefix's entries
-- in one range of its tree). What made PostgreSQL's search slow was its JIT compiler, which
-- the search queries turn off for themselves (desktop/store/repository.py); a stored
-- tsvector column would spare computing the text's words per row, but rewrites the five
-- million comments (README, "Search").
SELECT 1;
