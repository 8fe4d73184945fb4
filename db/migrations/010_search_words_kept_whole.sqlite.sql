-- Nothing changes on SQLite (a version needs both halves): 010 rebuilds PostgreSQL's search
-- indexes so that its parser sees each word whole, as FTS5's unicode61 tokenizer always has.
SELECT 1;
