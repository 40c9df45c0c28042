-- Slicewise's own state, in a schema of its own so that it never meets the
-- vendor's tables: the audit log of asks (quotas count it), feedback on
-- answers, and the published manifest-signing keys (public halves only;
-- expires_at NULL while a server signs with the key).
CREATE SCHEMA IF NOT EXISTS slicewise;
CREATE TABLE IF NOT EXISTS slicewise.audit (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, sub TEXT NOT NULL,
  question TEXT NOT NULL, status TEXT NOT NULL, sql TEXT, engine TEXT NOT NULL, cached BOOLEAN NOT NULL,
  counted BOOLEAN NOT NULL, latency_ms DOUBLE PRECISION NOT NULL, tables TEXT NOT NULL, columns TEXT NOT NULL,
  privacy TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_tenant_time ON slicewise.audit(tenant, created_at);
CREATE TABLE IF NOT EXISTS slicewise.feedback (id TEXT PRIMARY KEY, answer_id TEXT NOT NULL REFERENCES slicewise.audit(id),
  tenant TEXT NOT NULL, sub TEXT NOT NULL, helpful BOOLEAN NOT NULL, comment TEXT, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS slicewise.signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, x TEXT NOT NULL,
  created_at BIGINT NOT NULL, retired_at BIGINT, expires_at BIGINT);
