-- What a repair (全プログラムアップデート) found, on its record: how many files of the version it
-- checked against the signed hashes, and the damaged or missing ones it fetched (a JSON array of
-- release paths; empty when every file was intact). Both stay null on other kinds of update.
ALTER TABLE update_records ADD COLUMN files_checked BIGINT;
ALTER TABLE update_records ADD COLUMN damaged_files TEXT;
