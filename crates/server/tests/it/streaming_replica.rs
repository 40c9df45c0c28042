//! A real PostgreSQL streaming replica serving the extract reads of a real
//! `slicewise serve`: a primary cluster and a hot standby made for the test
//! (`initdb`, `pg_basebackup -R`) under a temporary folder on free ports,
//! `slicewise pg setup` run on the primary only (the standby gets roles,
//! policies and the binding key by replication), the server logged in to
//! both as the least-privileged login role.
//!
//! While replay is paused the extract is the standby's (the primary's
//! newer rows are not in it); asks write to the primary (a standby refuses
//! every write); the standby stopped and started again gives
//! `database_unavailable`, then the extract, with the server never
//! restarted. Needs PostgreSQL's server binaries (Debian's
//! `/usr/lib/postgresql/<version>/bin`); run as root, the clusters run as
//! the `postgres` user. It takes about ten seconds.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use slicewise_core::wire::Privacy;
use slicewise_server::pg::LOGIN_ROLE;
use slicewise_server::ServerKeys;
use tokio_postgres::NoTls;

use crate::metrics::{json, scrape};
use crate::postgres::audit_rows;
use crate::read_replica::{ask, orders_in_manifest};
use crate::support::SCALE;

/// The newest PostgreSQL server binaries installed.
fn pg_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries in /usr/lib/postgresql")
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("initdb in /usr/lib/postgresql/*/bin")
        .1
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A free loopback port (free when asked; the cluster takes it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A primary and its streaming replica, stopped (and deleted) when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    primary: u16,
    replica: u16,
}

impl Cluster {
    /// A server binary run as the clusters' owner.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    /// Runs a server binary as the clusters' owner; it must succeed.
    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .expect("run a PostgreSQL binary");
        assert!(out.status.success(), "{args:?}: {out:?}");
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn settings(&self, name: &str, port: u16) {
        let conf = self.dir.path().join(name).join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("postgresql.conf");
        text.push_str(&format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\n",
            self.dir.path().display()
        ));
        std::fs::write(&conf, text).expect("postgresql.conf");
    }

    fn start(&self, name: &str) {
        let log = self.path(&format!("{name}.log"));
        self.run(
            "pg_ctl",
            &["-D", &self.path(name), "-l", &log, "-w", "start"],
        );
    }

    fn stop(&self, name: &str) {
        self.run(
            "pg_ctl",
            &["-D", &self.path(name), "-m", "immediate", "-w", "stop"],
        );
    }

    /// `initdb` of the primary (its default `pg_hba.conf` lets loopback
    /// replicate, under trust), a base backup as a standby, both started.
    fn create() -> Cluster {
        // In /tmp whatever TMPDIR says: the postgres user must reach the
        // folder, and a socket path must stay under 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("slicewise-pg-")
            .tempdir_in("/tmp")
            .expect("tempdir");
        if is_root() {
            let out = Command::new("chown")
                .arg("postgres:")
                .arg(dir.path())
                .output()
                .expect("chown");
            assert!(out.status.success(), "{out:?}");
        }
        let c = Cluster {
            dir,
            bin: pg_bin(),
            primary: free_port(),
            replica: free_port(),
        };
        let primary = c.path("primary");
        c.run(
            "initdb",
            &["-D", &primary, "-A", "trust", "-U", "postgres", "-N"],
        );
        c.settings("primary", c.primary);
        c.start("primary");
        let port = c.primary.to_string();
        let replica = c.path("replica");
        c.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &replica,
                "-R",
                "-X",
                "stream",
            ],
        );
        c.settings("replica", c.replica);
        c.start("replica");
        c
    }

    /// The test's database on a port, as a user.
    fn url(port: u16, user: &str) -> String {
        Self::url_of(port, user, "app")
    }

    fn url_of(port: u16, user: &str, dbname: &str) -> String {
        format!("host=127.0.0.1 port={port} user={user} dbname={dbname}")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for name in ["replica", "primary"] {
            let data = self.path(name);
            let _ = self
                .command("pg_ctl")
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output();
        }
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

/// Waits until the standby has replayed everything the primary has written.
async fn caught_up(c: &Cluster) {
    let lsn: String = connect(&Cluster::url_of(c.primary, "postgres", "postgres"))
        .await
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .await
        .expect("primary lsn")
        .get(0);
    let replica = connect(&Cluster::url_of(c.replica, "postgres", "postgres")).await;
    let started = Instant::now();
    loop {
        let done: bool = replica
            .query_one(
                &format!("SELECT COALESCE(pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn, false)"),
                &[],
            )
            .await
            .expect("replay lsn")
            .get(0);
        if done {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "replica lags");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn orders_of(port: u16, tenant: &str) -> i64 {
    connect(&Cluster::url(port, "postgres"))
        .await
        .query_one(
            "SELECT COUNT(*) FROM orders WHERE tenant_id = $1",
            &[&tenant],
        )
        .await
        .expect("count")
        .get(0)
}

fn catalog_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/retail/catalog.toml")
}

/// A `slicewise serve` process, killed when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real binary; its API and metrics base URLs.
fn serve(c: &Cluster, data: &Path) -> (Serve, String, String) {
    let stderr = std::fs::File::create(data.with_extension("log")).expect("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_slicewise"))
        .arg("serve")
        .arg("--catalog")
        .arg(catalog_file())
        .args(["--database-url", &Cluster::url(c.primary, LOGIN_ROLE)])
        .args(["--read-database-url", &Cluster::url(c.replica, LOGIN_ROLE)])
        .args(["--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data)
        .arg("--static-dir")
        .arg(data.join("no-static"))
        .env_remove("SLICEWISE_ALLOW_PRIVILEGED_DATABASE_ROLE")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start slicewise serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let server = Serve(child);
    let mut next = |prefix: &str| {
        let line = lines.next().and_then(Result::ok).unwrap_or_default();
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("expected {prefix:?}, got {line:?}"))
            .trim_end_matches("/metrics")
            .to_string()
    };
    let api = next("Slicewise listening on ");
    let metrics = next("Slicewise metrics on ");
    (server, api, metrics)
}

#[tokio::test]
async fn a_streaming_replica_serves_extract_reads_and_may_vanish() {
    let c = Cluster::create();
    connect(&Cluster::url_of(c.primary, "postgres", "postgres"))
        .await
        .batch_execute("CREATE DATABASE app")
        .await
        .expect("create database");
    let owner = Cluster::url(c.primary, "postgres");
    assert!(slicewise_demo_seed::seed_postgres(&owner, SCALE, false)
        .await
        .expect("seed"));
    let data = c.dir.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_slicewise"))
        .args(["pg", "setup", "--catalog"])
        .arg(catalog_file())
        .arg("--data-dir")
        .arg(&data)
        .args(["--database-url", &owner])
        .output()
        .expect("slicewise pg setup");
    assert!(out.status.success(), "{out:?}");
    caught_up(&c).await;
    let (_server, api, metrics) = serve(&c, &data);
    let (keys, _) = ServerKeys::load_or_create(&data).expect("keys");
    let token = |tenant: &str, privacy| {
        let now = chrono::Utc::now().timestamp();
        slicewise_server::token::mint(&keys.embed_secret, tenant, "u", privacy, 600, now)
            .expect("mint")
            .0
    };

    // Replay paused, half of acme's and initech's orders deleted on the
    // primary: the extract is the standby's.
    let standby = connect(&Cluster::url(c.replica, "postgres")).await;
    standby
        .batch_execute("SELECT pg_wal_replay_pause()")
        .await
        .expect("pause replay");
    while standby
        .query_one("SELECT pg_get_wal_replay_pause_state()", &[])
        .await
        .expect("pause state")
        .get::<_, String>(0)
        != "paused"
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    connect(&owner)
        .await
        .batch_execute(
            "DELETE FROM orders WHERE tenant_id IN ('acme', 'initech') AND order_id % 2 = 0",
        )
        .await
        .expect("delete on the primary");
    let (before, after) = (
        orders_of(c.replica, "acme").await,
        orders_of(c.primary, "acme").await,
    );
    assert!(after < before, "{after} < {before}");
    let acme = token("acme", Privacy::Standard);
    assert_eq!(orders_in_manifest(&api, &acme).await, (200, before.into()));
    // Replay resumed: initech's first extract has the primary's rows.
    standby
        .batch_execute("SELECT pg_wal_replay_resume()")
        .await
        .expect("resume replay");
    caught_up(&c).await;
    let initech = token("initech", Privacy::Standard);
    let initech_orders = orders_of(c.primary, "initech").await;
    assert_eq!(
        orders_in_manifest(&api, &initech).await,
        (200, initech_orders.into())
    );

    // Asks write to the primary (the standby would refuse the audit row).
    assert_eq!(ask(&api, &acme).await, 200);

    // The standby goes away, then comes back; the server is never restarted.
    drop(standby);
    c.stop("replica");
    let globex = token("globex", Privacy::Standard);
    assert_eq!(
        orders_in_manifest(&api, &globex).await,
        (503, "database_unavailable".into())
    );
    assert_eq!(ask(&api, &acme).await, 200);
    let ready = json(reqwest::get(format!("{api}/readyz")).await.expect("readyz")).await;
    assert_eq!(ready["read_database"], "unavailable");
    c.start("replica");
    let globex_orders = orders_of(c.primary, "globex").await;
    // The server reconnects on its own; a read right after the restart may
    // still meet the standby finishing its start (seen on a loaded machine),
    // so it is asked again for a while, never restarted.
    let started = Instant::now();
    let mut read = orders_in_manifest(&api, &globex).await;
    while read.0 != 200 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        read = orders_in_manifest(&api, &globex).await;
    }
    assert_eq!(read, (200, globex_orders.into()));
    let audited = audit_rows(&connect(&owner).await, "acme").await;
    assert_eq!(audited, 2);
    let scraped = scrape(&metrics).await;
    assert_eq!(scraped.get("slicewise_extract_builds_total"), 4.0);
    assert_eq!(
        scraped.get("slicewise_extract_build_failures_total{code=\"database_unavailable\"}"),
        1.0
    );
}
