-- Every embed token minted with the admin key: who for, until when, and a
-- digest of the token (never the token) to match it against logs.
CREATE TABLE IF NOT EXISTS token_mints (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, sub TEXT NOT NULL,
  privacy TEXT NOT NULL, token_sha256 TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
