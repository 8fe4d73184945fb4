-- Merging one database into another (desktop/store/merging.py): every database gets an
-- identity of its own, made once here, so that a destination can tell its sources apart
-- while only ever reading them; and a destination remembers which rows it received from
-- which source, so that merging the same source again adds nothing twice.
-- db/migrations/README.md says why the identity is made here and not derived from a path.

CREATE TABLE database_identity (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    identity TEXT NOT NULL
);

INSERT INTO database_identity (id, identity) VALUES (1, lower(hex(randomblob(16))));

-- One row per source row received: (source identity, table, id there) -> the id here. No
-- foreign key: a received post deleted here stays received, and is not brought back.
CREATE TABLE merge_receipts (
    source         TEXT NOT NULL,
    table_name     TEXT NOT NULL,
    source_id      INTEGER NOT NULL,
    destination_id INTEGER NOT NULL,
    PRIMARY KEY (source, table_name, source_id)
);

-- What a whole-database copy brought (desktop/store/copying.py): the rows of `origin` with
-- ids up to last_id arrived with the same ids. A merge between a copy and its original
-- then knows those rows are already on both sides, without a receipt per copied row.
CREATE TABLE copied_ranges (
    origin     TEXT NOT NULL,
    table_name TEXT NOT NULL,
    last_id    INTEGER NOT NULL,
    PRIMARY KEY (origin, table_name)
);
