-- The administrator role holds every permission: it gains `updates.manage` (client releases and
-- the update policy), added in this version. Other roles gain it only when an administrator gives it.
UPDATE roles SET permissions = permissions || ',updates.manage'
 WHERE builtin = 'administrator' AND permissions NOT LIKE '%updates.manage%';
