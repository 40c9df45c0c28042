-- Saved answers: definitions only, never rows (see the SQLite twin). The
-- login role may delete these rows, and no other state table's.
CREATE TABLE IF NOT EXISTS slicewise.saved_answers (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, owner TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('private', 'tenant')),
  title TEXT NOT NULL, question TEXT NOT NULL, sql TEXT NOT NULL, chart TEXT,
  pinned BOOLEAN NOT NULL, position BIGINT NOT NULL, schema_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS saved_answers_owner ON slicewise.saved_answers(tenant, owner);
CREATE INDEX IF NOT EXISTS saved_answers_shared ON slicewise.saved_answers(tenant, visibility);
