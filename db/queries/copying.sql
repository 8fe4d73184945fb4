-- Copying (shared by both dialects): what a copy carries besides the rows, so that merges
-- (desktop/store/merging.py) between the copy, its original and others add nothing twice.

-- The rows this database received by merges: a copy has received them too (same ids).
-- name: copy_merge_receipts()
SELECT source, table_name, source_id, destination_id FROM merge_receipts;

-- What this database got by earlier copies: a copy of it got the same.
-- name: copy_copied_ranges()
SELECT origin, table_name, last_id FROM copied_ranges;
