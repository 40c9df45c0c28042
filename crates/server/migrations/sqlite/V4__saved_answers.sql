-- Saved answers: a question's definition (title, question, SQL, chart, place
-- on the dashboard), never its rows or any cell value. Scoped by the token's
-- tenant and user: `owner` is the token's sub; `visibility` 'private' (the
-- owner only) or 'tenant' (every user of the tenant). `schema_hash` is the
-- catalog's at saving; the SQL is guarded again against the current one
-- whenever it is read.
CREATE TABLE IF NOT EXISTS saved_answers (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, owner TEXT NOT NULL,
  visibility TEXT NOT NULL CHECK (visibility IN ('private', 'tenant')),
  title TEXT NOT NULL, question TEXT NOT NULL, sql TEXT NOT NULL, chart TEXT,
  pinned INTEGER NOT NULL, position INTEGER NOT NULL, schema_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS saved_answers_owner ON saved_answers(tenant, owner);
CREATE INDEX IF NOT EXISTS saved_answers_shared ON saved_answers(tenant, visibility);
