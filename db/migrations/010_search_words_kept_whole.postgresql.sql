-- The search indexes of 006 again, with every word the parser sees starting with a letter.
-- PostgreSQL's parser reads more than words: a run of digits, `e` and digits is a number in
-- scientific notation, so `0e0c` was indexed as `0e0` and `c` (and `3e4e5` as `3e4` and
-- `e5`): searching `c` found that post, `0e0c` did not, and a phrase after it was off by a
-- position, where SQLite and desktop/store/search.py see one word. Now, after every run of
-- non-alphanumeric characters has become one space (as in 006) and the ends are trimmed,
-- an `x` is put before each word: a token that starts with a letter and holds only letters
-- and digits is always one word to the parser. desktop/store/search.py puts the same `x`
-- before every word it searches (PG_WORD_MARK); db/queries/search.postgresql.sql repeats
-- these expressions exactly, as before. A text without words is the lone lexeme `x`, which
-- no search asks for (each searched word is at least one character after the `x`).
-- A plain replace() marks the words: a second regexp_replace() cost half as much again as
-- the whole tsvector (17 -> 26 µs a post of the benchmark set; this: 20 µs).
-- Rebuilding both indexes reads every post and comment once; the migration is one
-- transaction, so a failure or a closed connection leaves 006's indexes in place.

DROP INDEX idx_posts_search;

CREATE INDEX idx_posts_search ON posts USING gin ((
    setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(title, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'A')
    || setweight(to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(content, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x')), 'B')
));

DROP INDEX idx_comments_search;

CREATE INDEX idx_comments_search ON comments USING gin ((
    to_tsvector('simple', 'x' || replace(btrim(regexp_replace(left(body, 100000), '[^[:alnum:]]+', ' ', 'g')), ' ', ' x'))
));
