//! The `slicewise` command line: serve, seed-demo, token, keygen.
//!
//! Settings come from flags, then `SLICEWISE_*` environment variables, then
//! an optional TOML file (`--config`), then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde::Deserialize;
use slicewise_core::wire::Privacy;
use slicewise_demo_seed::seed_sqlite;
use slicewise_server::source_pg::PgSource;
use slicewise_server::source_sqlite::SqliteSource;
use slicewise_server::state::EXTRACT_LIFETIME;
use slicewise_server::store::KeyPublication;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{
    app, metrics_app, AppConfig, AppState, DataSource, LlmConfig, Quotas, ServeLimits, ServerKeys,
    SqliteStore, Store, Tier, TranslatorKind,
};

#[derive(Parser)]
#[command(
    name = "slicewise",
    version,
    about = "Ask your data, in the browser, one tenant at a time"
)]
struct Cli {
    /// Optional TOML settings file (flags and SLICEWISE_* variables win).
    #[arg(long, env = "SLICEWISE_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the HTTP server.
    Serve(Box<ServeArgs>),
    /// Writes the demo dataset (12 tenants).
    SeedDemo(SeedArgs),
    /// Prints an embed token.
    Token(TokenArgs),
    /// Creates a new manifest signing key and publishes its public half in
    /// the database; servers sign with it from their next start, and retire
    /// the older ones (listed until their manifests have expired).
    Keygen(KeygenArgs),
    /// Writes, checks and describes catalog files.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// PostgreSQL set-up of a vendor's database.
    #[command(subcommand)]
    Pg(PgCommand),
}

#[derive(Subcommand)]
enum PgCommand {
    /// Creates the read role, the row-level security policies on the
    /// catalog's tables, the tenant binding (with the data dir's key), the
    /// login role the server connects as and Slicewise's state tables (or
    /// prints the SQL of all but the state tables for a DBA with --print).
    Setup(PgSetupArgs),
}

#[derive(Args)]
struct PgSetupArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The catalog file (TOML).
    #[arg(long, env = "SLICEWISE_CATALOG")]
    catalog: PathBuf,
    /// PostgreSQL URL of a user allowed to alter the tables and create roles.
    #[arg(long, env = "SLICEWISE_DATABASE_URL")]
    database_url: Option<String>,
    /// Print the SQL instead of running it.
    #[arg(long)]
    print: bool,
    /// The login role the servers connect as (created if missing).
    #[arg(long, default_value = slicewise_server::pg::LOGIN_ROLE)]
    login_role: String,
    /// File holding the login role's password (its first line); without it
    /// the role has none, for trust, peer or certificate authentication.
    #[arg(long)]
    login_password_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Prints the catalog file's JSON Schema (for editors' validation).
    Schema,
    /// Checks a catalog file, and its tables against the database when one
    /// is given: every problem at once, with file, line and field.
    Check(CatalogCheckArgs),
    /// Introspects a database and writes a commented draft catalog.
    Draft(CatalogDraftArgs),
}

#[derive(Args)]
struct CatalogDraftArgs {
    /// SQLite file to introspect.
    #[arg(long)]
    db: Option<PathBuf>,
    /// PostgreSQL URL to introspect.
    #[arg(long, conflicts_with = "db")]
    database_url: Option<String>,
    /// Only these tables (comma-separated).
    #[arg(long, value_delimiter = ',')]
    tables: Vec<String>,
    /// The column holding the tenant (guessed when absent).
    #[arg(long)]
    tenant_column: Option<String>,
    /// PostgreSQL schema to read.
    #[arg(long, default_value = "public")]
    schema: String,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct CatalogCheckArgs {
    /// The catalog file (TOML).
    #[arg(long, env = "SLICEWISE_CATALOG")]
    catalog: PathBuf,
    /// SQLite file to check the tables against.
    #[arg(long)]
    db: Option<PathBuf>,
    /// PostgreSQL URL to check the tables against.
    #[arg(long, conflicts_with = "db")]
    database_url: Option<String>,
}

#[derive(Args, Clone)]
struct SourceArgs {
    /// SQLite file (default: <data-dir>/slicewise.db).
    #[arg(long, env = "SLICEWISE_DB")]
    db: Option<PathBuf>,
    /// PostgreSQL URL, instead of SQLite.
    #[arg(long, env = "SLICEWISE_DATABASE_URL", conflicts_with = "db")]
    database_url: Option<String>,
}

#[derive(Args, Clone)]
struct CommonArgs {
    /// Folder of the server's secrets (created on first start).
    #[arg(long, env = "SLICEWISE_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    common: CommonArgs,
    /// Address to listen on.
    #[arg(long, env = "SLICEWISE_ADDR")]
    addr: Option<SocketAddr>,
    /// Folder of static files served at `/`.
    #[arg(long, env = "SLICEWISE_STATIC_DIR")]
    static_dir: Option<PathBuf>,
    /// Demo mode: tokens from POST /api/v1/demo/token without an admin key;
    /// seeds the demo data when the SQLite file is missing.
    #[arg(long, env = "SLICEWISE_DEMO")]
    demo: bool,
    /// Origins allowed to call the API from a browser (comma-separated).
    #[arg(long, env = "SLICEWISE_ALLOWED_ORIGINS", value_delimiter = ',')]
    allowed_origins: Vec<String>,
    /// "Today" for relative periods (YYYY-MM-DD), for tests and demos.
    #[arg(long, env = "SLICEWISE_TODAY")]
    today: Option<NaiveDate>,
    /// Scale of the demo data seeded by --demo.
    #[arg(long, env = "SLICEWISE_SCALE")]
    scale: Option<f64>,
    /// Which translator answers: builtin (default) or llm.
    #[arg(long, env = "SLICEWISE_TRANSLATOR")]
    translator: Option<String>,
    /// The catalog file (TOML) describing the tables served; `--demo`
    /// without one serves the retail example.
    #[arg(long, env = "SLICEWISE_CATALOG")]
    catalog: Option<PathBuf>,
    /// Tier of tenants that neither their token nor the registry names
    /// (free, pro, enterprise).
    #[arg(long, env = "SLICEWISE_DEFAULT_TIER")]
    default_tier: Option<String>,
    /// Slicewise's own state (audit, quotas, feedback, keys) in this SQLite
    /// file; default: <data-dir>/state.db beside a SQLite data file, the
    /// same database for PostgreSQL.
    #[arg(long, env = "SLICEWISE_STATE_DB")]
    state_db: Option<PathBuf>,
    /// Most connections open at once (past it, new ones wait in the backlog).
    #[arg(long, env = "SLICEWISE_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Longest wait for a request's headers, and for the next request on an
    /// idle keep-alive connection, in seconds.
    #[arg(long, env = "SLICEWISE_HEADER_READ_TIMEOUT_SECONDS")]
    header_read_timeout_seconds: Option<u64>,
    /// Longest wait for a request's body, in seconds.
    #[arg(long, env = "SLICEWISE_REQUEST_BODY_TIMEOUT_SECONDS")]
    request_body_timeout_seconds: Option<u64>,
    /// Longest a response write waits for the client to read, in seconds:
    /// a client that stops reading is cut.
    #[arg(long, env = "SLICEWISE_RESPONSE_WRITE_TIMEOUT_SECONDS")]
    response_write_timeout_seconds: Option<u64>,
    /// PostgreSQL URL of a read replica of --database-url: extracts are read
    /// there; the tenant registry and Slicewise's own state stay on the primary.
    #[arg(long, env = "SLICEWISE_READ_DATABASE_URL")]
    read_database_url: Option<String>,
    /// Serve GET /metrics (Prometheus text format) on this address, apart
    /// from the API (none when absent): an internal address for the scraper.
    #[arg(long, env = "SLICEWISE_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// Connections each database's pool keeps at most (the state, the
    /// source, a read replica: one pool each).
    #[arg(long, env = "SLICEWISE_DATABASE_POOL_SIZE")]
    database_pool_size: Option<usize>,
    /// Extract builds at once, server-wide (default: one per CPU).
    #[arg(long, env = "SLICEWISE_MAX_EXTRACT_BUILDS")]
    max_extract_builds: Option<usize>,
    /// Longest a build waits for a slot before 503 `builds_busy`, in seconds.
    #[arg(long, env = "SLICEWISE_EXTRACT_BUILD_WAIT_SECONDS")]
    extract_build_wait_seconds: Option<u64>,
    /// Development only: let the server log in to PostgreSQL as a superuser,
    /// a BYPASSRLS role or a table owner (it is refused otherwise).
    #[arg(long, env = "SLICEWISE_ALLOW_PRIVILEGED_DATABASE_ROLE")]
    allow_privileged_database_role: bool,
    #[command(flatten)]
    llm: LlmArgs,
}

/// The OpenAI-compatible backend of `--translator llm`.
#[derive(Args, Default)]
struct LlmArgs {
    /// Base URL of an OpenAI-compatible API (`{url}/v1/chat/completions`).
    #[arg(long = "llm-base-url", env = "SLICEWISE_LLM_BASE_URL")]
    base_url: Option<String>,
    /// Model name sent with each request.
    #[arg(long = "llm-model", env = "SLICEWISE_LLM_MODEL")]
    model: Option<String>,
    /// API key (sent as a bearer token). Prefer the environment variable or
    /// --llm-api-key-file: a flag shows in `ps`.
    #[arg(
        long = "llm-api-key",
        env = "SLICEWISE_LLM_API_KEY",
        hide_env_values = true
    )]
    api_key: Option<String>,
    /// File holding the API key (its first line; e.g. a mounted secret).
    #[arg(long = "llm-api-key-file", env = "SLICEWISE_LLM_API_KEY_FILE")]
    api_key_file: Option<PathBuf>,
    /// Longest wait for one completion, in seconds.
    #[arg(long = "llm-timeout-seconds", env = "SLICEWISE_LLM_TIMEOUT_SECONDS")]
    timeout_seconds: Option<u64>,
}

/// The `[llm]` table of the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileLlm {
    base_url: Option<String>,
    model: Option<String>,
    api_key: Option<String>,
    api_key_file: Option<PathBuf>,
    timeout_seconds: Option<u64>,
}

#[derive(Args)]
struct SeedArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    common: CommonArgs,
    /// Multiplies order counts (1.0: acme has 1,000,000 orders).
    #[arg(long, env = "SLICEWISE_SCALE")]
    scale: Option<f64>,
    /// Leaves an already seeded database as it is.
    #[arg(long)]
    if_missing: bool,
}

#[derive(Args)]
struct KeygenArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    common: CommonArgs,
    /// The servers' state file (default: <data-dir>/state.db for SQLite).
    #[arg(long, env = "SLICEWISE_STATE_DB")]
    state_db: Option<PathBuf>,
}

#[derive(Args)]
struct TokenArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[arg(long)]
    tenant: String,
    #[arg(long, default_value = "cli")]
    sub: String,
    /// standard, high or gdpr.
    #[arg(long, default_value = "standard")]
    privacy: String,
    /// Lifetime in seconds (at most 3600).
    #[arg(long, default_value_t = 3600)]
    ttl: i64,
}

/// The optional TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    db: Option<PathBuf>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    addr: Option<SocketAddr>,
    static_dir: Option<PathBuf>,
    demo: Option<bool>,
    allowed_origins: Option<Vec<String>>,
    today: Option<NaiveDate>,
    scale: Option<f64>,
    quotas: Option<Quotas>,
    extract_ttl_seconds: Option<u64>,
    max_body_bytes: Option<usize>,
    translator: Option<String>,
    llm: Option<FileLlm>,
    catalog: Option<PathBuf>,
    default_tier: Option<String>,
    state_db: Option<PathBuf>,
    max_connections: Option<usize>,
    header_read_timeout_seconds: Option<u64>,
    request_body_timeout_seconds: Option<u64>,
    response_write_timeout_seconds: Option<u64>,
    allow_privileged_database_role: Option<bool>,
    read_database_url: Option<String>,
    metrics_addr: Option<SocketAddr>,
    database_pool_size: Option<usize>,
    max_extract_builds: Option<usize>,
    extract_build_wait_seconds: Option<u64>,
}

fn read_file_config(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading settings file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing settings file {}", path.display()))
}

fn data_dir(common: &CommonArgs, file: &FileConfig) -> PathBuf {
    common
        .data_dir
        .clone()
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from("data"))
}

enum Source {
    Sqlite(PathBuf),
    Postgres(String),
}

fn source(args: &SourceArgs, file: &FileConfig, data_dir: &Path) -> Source {
    if let Some(url) = &args.database_url {
        return Source::Postgres(url.clone());
    }
    if let Some(db) = &args.db {
        return Source::Sqlite(db.clone());
    }
    if let Some(url) = &file.database_url {
        return Source::Postgres(url.clone());
    }
    Source::Sqlite(
        file.db
            .clone()
            .unwrap_or_else(|| data_dir.join("slicewise.db")),
    )
}

/// The translator and its LLM backend: flags, then environment, then TOML.
fn translator_config(
    args: &ServeArgs,
    file: &FileConfig,
) -> anyhow::Result<(TranslatorKind, Option<LlmConfig>)> {
    let kind = match args
        .translator
        .as_deref()
        .or(file.translator.as_deref())
        .unwrap_or("builtin")
    {
        "builtin" => TranslatorKind::Builtin,
        "llm" => TranslatorKind::Llm,
        other => bail!("translator must be builtin or llm, not {other:?}"),
    };
    let fl = file.llm.as_ref();
    let base_url = args
        .llm
        .base_url
        .clone()
        .or_else(|| fl.and_then(|f| f.base_url.clone()));
    let api_key = llm_api_key(
        args.llm.api_key.clone(),
        args.llm.api_key_file.as_deref(),
        fl.and_then(|f| f.api_key.clone()),
        fl.and_then(|f| f.api_key_file.as_deref()),
    )?;
    let llm = base_url.map(|base_url| LlmConfig {
        base_url,
        model: args
            .llm
            .model
            .clone()
            .or_else(|| fl.and_then(|f| f.model.clone()))
            .unwrap_or_else(|| "gpt-4o-mini".into()),
        api_key: api_key.clone(),
        timeout: Duration::from_secs(
            args.llm
                .timeout_seconds
                .or_else(|| fl.and_then(|f| f.timeout_seconds))
                .unwrap_or(20),
        ),
    });
    if kind == TranslatorKind::Llm && llm.is_none() {
        bail!("translator = llm needs an LLM base URL (--llm-base-url or SLICEWISE_LLM_BASE_URL)");
    }
    Ok((kind, llm))
}

/// The LLM key: flag or environment, then its file, then the TOML file's
/// key, then the TOML file's key file (first line of a file, trimmed).
fn llm_api_key(
    given: Option<String>,
    file: Option<&Path>,
    toml_key: Option<String>,
    toml_file: Option<&Path>,
) -> anyhow::Result<Option<String>> {
    let read = |path: &Path| secret_line(path, "LLM API key file");
    if let Some(key) = given {
        return Ok(Some(key));
    }
    if let Some(path) = file {
        return read(path).map(Some);
    }
    if let Some(key) = toml_key {
        return Ok(Some(key));
    }
    toml_file.map(read).transpose()
}

/// A secret kept in a file (an API key, a password): its first line,
/// trimmed; an empty one is an error naming the file.
fn secret_line(path: &Path, what: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the {what} {}", path.display()))?;
    let secret = text.lines().next().unwrap_or_default().trim().to_string();
    if secret.is_empty() {
        bail!("the {what} {} is empty", path.display());
    }
    Ok(secret)
}

/// Creates a SQLite file (and its folder) for the server's state if missing.
fn create_sqlite(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    rusqlite::Connection::open(path)
        .map(drop)
        .with_context(|| format!("creating the state database {}", path.display()))
}

fn load_keys(dir: &Path) -> anyhow::Result<ServerKeys> {
    let (keys, created) = ServerKeys::load_or_create(dir)
        .with_context(|| format!("loading secrets from {}", dir.display()))?;
    if !created.is_empty() {
        tracing::info!(
            "created new secrets in {} (admin API key in {})",
            dir.display(),
            dir.join("admin_key").display()
        );
    }
    Ok(keys)
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches)?;
    let key_on_command_line = matches
        .subcommand_matches("serve")
        .and_then(|m| m.value_source("api_key"))
        == Some(ValueSource::CommandLine);
    if key_on_command_line {
        tracing::warn!(
            "--llm-api-key shows the key to every user of this machine (ps); \
             use SLICEWISE_LLM_API_KEY or --llm-api-key-file"
        );
    }
    let file = read_file_config(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => serve(*args, file),
        Command::SeedDemo(args) => seed(args, file),
        Command::Token(args) => {
            let dir = data_dir(&args.common, &file);
            let keys = load_keys(&dir)?;
            let Some(privacy) = Privacy::parse(&args.privacy) else {
                bail!("--privacy must be standard, high or gdpr");
            };
            let (token, _) = slicewise_server::token::mint(
                &keys.embed_secret,
                &args.tenant,
                &args.sub,
                privacy,
                args.ttl,
                chrono::Utc::now().timestamp(),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Keygen(args) => keygen(args, file),
        Command::Catalog(CatalogCommand::Schema) => {
            println!("{}", slicewise_server::catalog_check::json_schema());
            Ok(())
        }
        Command::Catalog(CatalogCommand::Check(args)) => catalog_check(args),
        Command::Catalog(CatalogCommand::Draft(args)) => catalog_draft(args),
        Command::Pg(PgCommand::Setup(args)) => pg_setup(args, file),
    }
}

/// Reads a catalog file; errors name the file, line and field.
fn read_catalog(path: &Path) -> anyhow::Result<(String, slicewise_core::Catalog)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading catalog file {}", path.display()))?;
    let name = path.display().to_string();
    match slicewise_core::catalog_file::parse_with_warnings(&text, &name) {
        Ok((catalog, warnings)) => {
            for w in warnings {
                eprintln!("{w}");
            }
            Ok((text, catalog))
        }
        Err(errors) => bail!("the catalog is not valid:\n{errors}"),
    }
}

fn pg_setup(args: PgSetupArgs, file: FileConfig) -> anyhow::Result<()> {
    use slicewise_server::pg_setup::{binding_key_sql, login_role_sql, setup_sql, valid_role_name};
    let (_, catalog) = read_catalog(&args.catalog)?;
    if !valid_role_name(&args.login_role) {
        bail!(
            "--login-role must be lower-case letters, digits and underscores, not {:?}",
            args.login_role
        );
    }
    let password = args
        .login_password_file
        .as_deref()
        .map(|path| secret_line(path, "password file"))
        .transpose()?;
    // The servers' key: pg setup and every replica read the same data dir's.
    let keys = load_keys(&data_dir(&args.common, &file))?;
    let sql = format!(
        "{}{}{}",
        setup_sql(&catalog),
        binding_key_sql(&keys.tenant_binding_key),
        login_role_sql(&args.login_role, password.as_deref())
    );
    if args.print {
        print!("{sql}");
        println!(
            "-- Slicewise's state tables (schema slicewise) are versioned migrations: create them\n\
             -- with `slicewise pg setup --database-url URL` run by a role that may create the\n\
             -- schema (it runs the SQL above again, unchanged, then migrates and grants)."
        );
        return Ok(());
    }
    let Some(url) = args.database_url else {
        bail!("pass --database-url URL to run it, or --print to see it");
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let client = slicewise_server::pg::connect(&url).await?;
        client.batch_execute(&sql).await?;
        // The state tables, created by this role, used by the login role.
        PgStore::new(&url).migrate_state().await?;
        Ok::<_, anyhow::Error>(())
    })
    .context("running the PostgreSQL set-up")?;
    println!(
        "row-level security set up for {} tables, login role {} (connect as it: \
         `slicewise serve --database-url postgres://{}@HOST/DB`); check with \
         `slicewise catalog check --database-url ...`",
        catalog.tables.len(),
        args.login_role,
        args.login_role
    );
    Ok(())
}

fn catalog_draft(args: CatalogDraftArgs) -> anyhow::Result<()> {
    let source = match (&args.db, &args.database_url) {
        (Some(db), _) => DataSource::Sqlite(SqliteSource::new(db)),
        (_, Some(url)) => DataSource::Postgres(PgSource::new(url)),
        _ => bail!("name the database: --db FILE or --database-url URL"),
    };
    let rt = tokio::runtime::Runtime::new()?;
    let text = rt
        .block_on(slicewise_server::catalog_draft::draft_database(
            &source,
            &args.tables,
            args.tenant_column.as_deref(),
            &args.schema,
        ))
        .context("introspecting the database")?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "wrote {}; check it with `slicewise catalog check --catalog {} ...`",
                path.display(),
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}

fn catalog_check(args: CatalogCheckArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.catalog)
        .with_context(|| format!("reading catalog file {}", args.catalog.display()))?;
    let name = args.catalog.display().to_string();
    let mut problems = match slicewise_core::catalog_file::parse_with_warnings(&text, &name) {
        Ok((catalog, warnings)) => {
            let source = match (&args.db, &args.database_url) {
                (Some(db), _) => Some(DataSource::Sqlite(SqliteSource::new(db))),
                (_, Some(url)) => Some(DataSource::Postgres(PgSource::new(url))),
                _ => None,
            };
            let mut all = warnings;
            if let Some(source) = source {
                let rt = tokio::runtime::Runtime::new()?;
                all.extend(
                    rt.block_on(slicewise_server::catalog_check::against_database(
                        &catalog, &source, &text, &name,
                    )),
                );
            }
            all
        }
        Err(errors) => errors.0,
    };
    problems.sort_by_key(|p| (p.severity, p.line));
    for p in &problems {
        println!("{p}");
    }
    let errors = problems
        .iter()
        .filter(|p| p.severity == slicewise_core::catalog_file::Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    if errors > 0 {
        bail!("{name}: {errors} errors, {warnings} warnings");
    }
    println!("{name}: ok ({warnings} warnings)");
    Ok(())
}

fn keygen(args: KeygenArgs, file: FileConfig) -> anyhow::Result<()> {
    let dir = data_dir(&args.common, &file);
    load_keys(&dir)?;
    let key = slicewise_server::keys::add_manifest_key(&dir)?;
    println!(
        "new manifest signing key {} in {}",
        key.kid,
        dir.join("manifest_keys").display()
    );
    // Where the servers keep their state: beside a SQLite data file, or in PostgreSQL.
    let store = match source(&args.source, &file, &dir) {
        Source::Sqlite(_) => {
            let state = args
                .state_db
                .clone()
                .or_else(|| file.state_db.clone())
                .unwrap_or_else(|| dir.join("state.db"));
            create_sqlite(&state)?;
            Store::Sqlite(SqliteStore::new(state))
        }
        // An operator's command: any role that may write the keys.
        Source::Postgres(url) => Store::Postgres(PgStore::new(url).allow_privileged_role(true)),
    };
    // Published now, before any server signs with it, so clients that cache
    // the key set already know it when the first manifest signed by it comes.
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        store.migrate_state().await?;
        store
            .publish_signing_keys(KeyPublication {
                active: vec![key],
                retired: Vec::new(),
                now: chrono::Utc::now().timestamp(),
                lifetime: EXTRACT_LIFETIME,
            })
            .await
    })
    .context("publishing the new key in the database")?;
    println!("published in the database; restart the servers to sign with it");
    Ok(())
}

fn seed(args: SeedArgs, file: FileConfig) -> anyhow::Result<()> {
    let dir = data_dir(&args.common, &file);
    let scale = args.scale.or(file.scale).unwrap_or(1.0);
    let started = std::time::Instant::now();
    match source(&args.source, &file, &dir) {
        Source::Sqlite(path) => {
            let summary = seed_sqlite(&path, scale, args.if_missing)?;
            if summary.written {
                let orders: usize = summary.tenants.iter().map(|t| t.orders).sum();
                println!(
                    "seeded {} tenants, {orders} orders into {} in {:.1} s",
                    summary.tenants.len(),
                    path.display(),
                    started.elapsed().as_secs_f64()
                );
            } else {
                println!("{} already holds the demo data; left as is", path.display());
            }
        }
        Source::Postgres(url) => {
            let rt = tokio::runtime::Runtime::new()?;
            let written = rt.block_on(async {
                let written =
                    slicewise_demo_seed::seed_postgres(&url, scale, args.if_missing).await?;
                // Row-level security as for any vendor's database (`slicewise pg setup`).
                // The tenant binding key is the server's: `pg setup`, or a
                // development server at start, stores it.
                let setup = slicewise_server::pg_setup::setup_sql(&slicewise_core::Catalog::demo());
                let client = slicewise_server::pg::connect(&url).await?;
                client.batch_execute(&setup).await?;
                Ok::<_, anyhow::Error>(written)
            })?;
            println!(
                "{} PostgreSQL demo data in {:.1} s",
                if written { "seeded" } else { "kept" },
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

fn serve(args: ServeArgs, file: FileConfig) -> anyhow::Result<()> {
    let dir = data_dir(&args.common, &file);
    let keys = load_keys(&dir)?;
    let demo = args.demo || file.demo.unwrap_or(false);
    let state_db = args.state_db.clone().or_else(|| file.state_db.clone());
    let allow_privileged =
        args.allow_privileged_database_role || file.allow_privileged_database_role.unwrap_or(false);
    let pool_size = args
        .database_pool_size
        .or(file.database_pool_size)
        .unwrap_or(slicewise_server::pool::DEFAULT_POOL_SIZE);
    if pool_size == 0 {
        bail!("--database-pool-size must be at least 1");
    }
    let mut pg_url = None;
    let read_url = args
        .read_database_url
        .clone()
        .or_else(|| file.read_database_url.clone());
    let data_source = source(&args.source, &file, &dir);
    if read_url.is_some() && !matches!(data_source, Source::Postgres(_)) {
        bail!(
            "--read-database-url is a PostgreSQL read replica of --database-url, \
             which is not given (the data is in SQLite)"
        );
    }
    let (data, store) = match data_source {
        Source::Sqlite(path) => {
            if demo && !path.exists() {
                let scale = args.scale.or(file.scale).unwrap_or(1.0);
                tracing::info!(
                    "seeding the demo data (scale {scale}) into {}",
                    path.display()
                );
                seed_sqlite(&path, scale, true)?;
            } else if !path.exists() {
                tracing::warn!(
                    "{} does not exist yet (requests get 503 until it does)",
                    path.display()
                );
            }
            // Slicewise never writes to the data: its state has a file of its own.
            let state = state_db.unwrap_or_else(|| dir.join("state.db"));
            create_sqlite(&state)?;
            (
                DataSource::Sqlite(SqliteSource::new(&path).with_pool_size(pool_size)),
                Store::Sqlite(SqliteStore::new(state).with_pool_size(pool_size)),
            )
        }
        Source::Postgres(url) => {
            let store = match state_db {
                Some(state) => {
                    create_sqlite(&state)?;
                    Store::Sqlite(SqliteStore::new(state).with_pool_size(pool_size))
                }
                None => Store::Postgres(
                    PgStore::new(&url)
                        .allow_privileged_role(allow_privileged)
                        .with_pool_size(pool_size),
                ),
            };
            pg_url = Some(url.clone());
            let source = PgSource::new(url)
                .with_binding_key(&keys.tenant_binding_key)
                .allow_privileged_role(allow_privileged)
                .with_pool_size(pool_size);
            (DataSource::Postgres(source), store)
        }
    };
    let read = read_url.as_ref().map(|url| {
        DataSource::Postgres(
            PgSource::new(url)
                .with_binding_key(&keys.tenant_binding_key)
                .allow_privileged_role(allow_privileged)
                .with_pool_size(pool_size),
        )
    });
    let (translator, llm) = translator_config(&args, &file)?;
    let catalog = match args.catalog.as_ref().or(file.catalog.as_ref()) {
        Some(path) => {
            let (_, catalog) = read_catalog(path)?;
            tracing::info!("serving the catalog {}", path.display());
            catalog
        }
        None if demo => slicewise_core::Catalog::demo(),
        None => bail!(
            "no catalog: pass --catalog FILE (or SLICEWISE_CATALOG); \
             `slicewise catalog check --catalog FILE --db ...` checks one"
        ),
    };
    let default_tier = match args
        .default_tier
        .as_deref()
        .or(file.default_tier.as_deref())
    {
        None => Tier::Free,
        Some(t) => Tier::parse(t)
            .with_context(|| format!("default tier must be free, pro or enterprise, not {t:?}"))?,
    };
    let config = AppConfig {
        catalog,
        default_tier,
        translator,
        llm,
        demo,
        allowed_origins: if args.allowed_origins.is_empty() {
            file.allowed_origins.clone().unwrap_or_default()
        } else {
            args.allowed_origins.clone()
        },
        static_dir: args
            .static_dir
            .clone()
            .or_else(|| file.static_dir.clone())
            .unwrap_or_else(|| PathBuf::from("dist")),
        quotas: file.quotas.unwrap_or_default(),
        // The demo data ends on 2025-12-31: in demo mode "this month" means
        // its last month unless a date is given.
        today: args.today.or(file.today).or_else(|| {
            demo.then_some(slicewise_demo_seed::DEMO_LAST_DAY)
                .and_then(|(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d))
        }),
        extract_ttl: Duration::from_secs(file.extract_ttl_seconds.unwrap_or(600)),
        max_extract_builds: args
            .max_extract_builds
            .or(file.max_extract_builds)
            .unwrap_or_else(slicewise_server::config::default_max_extract_builds),
        extract_build_wait: args
            .extract_build_wait_seconds
            .or(file.extract_build_wait_seconds)
            .map_or(
                slicewise_server::config::DEFAULT_EXTRACT_BUILD_WAIT,
                Duration::from_secs,
            ),
        max_body_bytes: file.max_body_bytes.unwrap_or(64 * 1024),
    };
    if config.max_extract_builds == 0 {
        bail!("--max-extract-builds must be at least 1");
    }
    let defaults = ServeLimits::default();
    let limits = ServeLimits {
        max_connections: args
            .max_connections
            .or(file.max_connections)
            .unwrap_or(defaults.max_connections),
        header_read_timeout: args
            .header_read_timeout_seconds
            .or(file.header_read_timeout_seconds)
            .map_or(defaults.header_read_timeout, Duration::from_secs),
        request_body_timeout: args
            .request_body_timeout_seconds
            .or(file.request_body_timeout_seconds)
            .map_or(defaults.request_body_timeout, Duration::from_secs),
        response_write_timeout: args
            .response_write_timeout_seconds
            .or(file.response_write_timeout_seconds)
            .map_or(defaults.response_write_timeout, Duration::from_secs),
        ..defaults
    };
    let addr = args
        .addr
        .or(file.addr)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let metrics_addr = args.metrics_addr.or(file.metrics_addr);
    let binding_key = keys.tenant_binding_key.clone();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        if let Some(url) = &pg_url {
            check_login_role(url, allow_privileged, Some(&binding_key)).await?;
        }
        // A replica is read-only: its binding key comes from the primary.
        if let Some(url) = &read_url {
            check_login_role(url, allow_privileged, None).await?;
        }
        if let Err(e) = store.migrate_state().await {
            tracing::warn!(error = %e, "could not prepare the state tables yet");
        }
        let state = AppState::with_read_source(data, read, store, keys, config);
        // Requests publish it too, so a database that is down now is no obstacle.
        if let Err(e) = state.publish_signing_keys().await {
            tracing::warn!(error = %e, "could not publish the signing key yet");
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let local = listener.local_addr()?;
        println!("Slicewise listening on http://{local}");
        let (stop, mut stopped) = tokio::sync::watch::channel(());
        if let Some(addr) = metrics_addr {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding the metrics address {addr}"))?;
            println!(
                "Slicewise metrics on http://{}/metrics",
                listener.local_addr()?
            );
            let metrics_limits = ServeLimits {
                max_connections: 16,
                ..limits
            };
            tokio::spawn(slicewise_server::serve(
                listener,
                metrics_app(state.clone()),
                metrics_limits,
                async move {
                    let _ = stopped.changed().await;
                },
            ));
        }
        let shutdown = async move {
            shutdown_signal().await;
            let _ = stop.send(());
        };
        slicewise_server::serve(listener, app(state), limits, shutdown).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Refuses to serve as a privileged PostgreSQL login (unless a development
/// setup says so, whose server then stores its own tenant binding key, as
/// it creates its state tables). A database down now is no obstacle: every
/// connection checks the role again.
async fn check_login_role(
    url: &str,
    allow_privileged: bool,
    key: Option<&[u8]>,
) -> anyhow::Result<()> {
    let client = match slicewise_server::pg::connect(url).await {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(error = %e, "could not check the PostgreSQL login role yet");
            return Ok(());
        }
    };
    let role = match slicewise_server::pg::LoginRole::of(&client).await {
        Ok(role) => role,
        Err(e) => {
            tracing::warn!(error = %e, "could not check the PostgreSQL login role yet");
            return Ok(());
        }
    };
    if let Err(e) = role.check(allow_privileged) {
        bail!("{}: {e}", e.code());
    }
    let privileged = role.superuser || role.bypass_rls || role.owned_relations > 0;
    if let Some(key) = key.filter(|_| privileged) {
        let sql = slicewise_server::pg_setup::binding_key_sql(key);
        if let Err(e) = client.batch_execute(&sql).await {
            tracing::warn!(error = %e, "could not store the tenant binding key (run `slicewise pg setup`)");
        }
    }
    tracing::info!(role = %role.name, "PostgreSQL login role checked");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_llm_key_comes_from_a_file_when_not_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("key");
        std::fs::write(&file, "sk-from-file\nignored\n").expect("key file");
        let key = |given: Option<&str>, file: Option<&Path>| {
            llm_api_key(given.map(str::to_string), file, None, None).expect("key")
        };
        assert_eq!(key(None, Some(&file)).as_deref(), Some("sk-from-file"));
        assert_eq!(key(Some("sk-env"), Some(&file)).as_deref(), Some("sk-env"));
        assert_eq!(key(None, None), None);
        let toml = llm_api_key(None, None, None, Some(&file)).expect("key");
        assert_eq!(toml.as_deref(), Some("sk-from-file"));
        std::fs::write(&file, "\n").expect("empty");
        assert!(llm_api_key(None, Some(&file), None, None).is_err());
        assert!(llm_api_key(None, Some(&dir.path().join("none")), None, None).is_err());
    }
}
