-- Every embed token minted with the admin key (see the SQLite twin).
CREATE TABLE IF NOT EXISTS slicewise.token_mints (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, sub TEXT NOT NULL,
  privacy TEXT NOT NULL, token_sha256 TEXT NOT NULL, expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);
