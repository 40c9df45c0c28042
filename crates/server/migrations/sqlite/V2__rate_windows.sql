-- Quotas are reserved before an ask is answered, by one conditional upsert of
-- a row per (scope, subject): the counts of the current UTC day and clock
-- minute, reset when a later window starts. Scopes: 'ask' (subject: the
-- tenant), 'feedback' (subject: the tenant and user, as a JSON array).
CREATE TABLE IF NOT EXISTS rate_windows (scope TEXT NOT NULL, subject TEXT NOT NULL,
  day_start INTEGER NOT NULL, day_used INTEGER NOT NULL,
  minute_start INTEGER NOT NULL, minute_used INTEGER NOT NULL,
  PRIMARY KEY (scope, subject));
-- Refused requests are counted per day, never written one row each, so a
-- client hammering past its quota cannot grow the state database.
CREATE TABLE IF NOT EXISTS quota_refusals (scope TEXT NOT NULL, subject TEXT NOT NULL,
  day_start INTEGER NOT NULL, refused INTEGER NOT NULL,
  PRIMARY KEY (scope, subject, day_start));
