-- The effort report over long periods without a project (the company's, by organisation or
-- person and activity 1), read from effort_day_rows.
--
-- Ordered for the grouping: the report's GROUP BY person and activity 1 (and the length, when
-- rounded) walks this index in order and sums as it goes, instead of sorting the period's day
-- rows (about 2.6 million for 1,000 people over a year) in a temporary B-tree; with the date and
-- the counts in it (and the key's other columns, which a table WITHOUT ROWID adds) it covers the
-- query.
CREATE INDEX effort_day_rows_person_activity ON effort_day_rows(user_id, activity1_id, minutes, entries, work_date);
-- The day rows holding several entries: rounded per entry, a day row with one entry gives that
-- entry's length itself, and the report reads the entries only behind these rows.
CREATE INDEX effort_day_rows_several ON effort_day_rows(work_date) WHERE entries > 1;
