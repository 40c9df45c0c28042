-- Slicewise's own state: the audit log of asks (quotas count it), feedback
-- on answers, and the published manifest-signing keys (public halves only;
-- expires_at NULL while a server signs with the key).
-- IF NOT EXISTS: state files written before migrations already hold these.
CREATE TABLE IF NOT EXISTS audit (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, sub TEXT NOT NULL,
  question TEXT NOT NULL, status TEXT NOT NULL, sql TEXT, engine TEXT NOT NULL, cached INTEGER NOT NULL,
  counted INTEGER NOT NULL, latency_ms REAL NOT NULL, tables TEXT NOT NULL, columns TEXT NOT NULL,
  privacy TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS audit_tenant_time ON audit(tenant, created_at);
CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, answer_id TEXT NOT NULL REFERENCES audit(id),
  tenant TEXT NOT NULL, sub TEXT NOT NULL, helpful INTEGER NOT NULL, comment TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, x TEXT NOT NULL,
  created_at INTEGER NOT NULL, retired_at INTEGER, expires_at INTEGER);
