-- Quotas reserved before the work, shared by every replica (see the SQLite twin).
CREATE TABLE IF NOT EXISTS slicewise.rate_windows (scope TEXT NOT NULL, subject TEXT NOT NULL,
  day_start BIGINT NOT NULL, day_used BIGINT NOT NULL,
  minute_start BIGINT NOT NULL, minute_used BIGINT NOT NULL,
  PRIMARY KEY (scope, subject));
CREATE TABLE IF NOT EXISTS slicewise.quota_refusals (scope TEXT NOT NULL, subject TEXT NOT NULL,
  day_start BIGINT NOT NULL, refused BIGINT NOT NULL,
  PRIMARY KEY (scope, subject, day_start));
