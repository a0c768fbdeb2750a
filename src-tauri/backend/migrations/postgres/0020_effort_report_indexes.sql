-- The effort report rounded per entry reads a day row holding one entry as that entry's length,
-- and the entries only behind the day rows holding several: those rows by date. (PostgreSQL sums
-- the company's report in a hash table; the ordered index SQLite needs for that grouping is not
-- made here.)
CREATE INDEX effort_day_rows_several ON effort_day_rows(work_date) WHERE entries > 1;
