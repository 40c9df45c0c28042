//! Integration tests of the server: the router driven in-process, over a
//! small seeded SQLite database (and PostgreSQL in `postgres.rs` and `keys.rs`).

mod api;
mod ask;
mod byod;
mod demo;
mod embed;
mod extract_limit;
mod extracts;
mod http;
mod keys;
mod llm;
mod metrics;
mod pg_roles;
mod pool;
mod postgres;
mod quotas;
mod read_replica;
mod saved;
mod state;
mod streaming_replica;
mod support;
mod tokens;
