-- Each record is one update of one client: `update_id` is the id the client made for the run,
-- carried by every event of it (the launcher's end of it too), so events join their own update's
-- record whatever else the client ran meanwhile (null on records of clients from before).
-- What a repair (全プログラムアップデート) found, on its record: how many files of the version it
-- checked against the signed hashes, and the damaged or missing ones it fetched (a JSON array of
-- release paths; empty when every file was intact). Both stay null on other kinds of update.
ALTER TABLE update_records ADD COLUMN update_id TEXT;
ALTER TABLE update_records ADD COLUMN files_checked BIGINT;
ALTER TABLE update_records ADD COLUMN damaged_files TEXT;
CREATE INDEX update_records_update ON update_records(client_id, update_id);
