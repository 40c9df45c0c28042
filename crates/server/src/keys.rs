//! The server's secrets, kept in its data folder and created on first start.
//!
//! Layout of the data folder:
//! - `embed_secret`: hex, the HS256 key of embed tokens
//! - `admin_key`: the admin API key (text)
//! - `url_key`: hex, the HMAC key of signed table URLs
//! - `pseudonym_key`: hex, the root of per-tenant pseudonym keys
//! - `manifest_keys/<kid>.ed25519`: hex Ed25519 seeds; the newest signs
//!
//! The seeds never leave the folder. What clients see comes from the
//! database (`signing_keys`), where every replica publishes the public half
//! of its signer and retires its older keys, so `GET /api/v1/keys` on any
//! replica lists every key a manifest in circulation may be signed with.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use rand::RngCore;
use sha2::{Digest, Sha256};
use slicewise_core::manifest::public_key;
use slicewise_core::wire::{KeySet, PublicKey};

use crate::store::KeyPublication;

/// A secret could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct KeyError {
    pub path: String,
    pub message: String,
}

fn key_error(path: &Path, e: impl std::fmt::Display) -> KeyError {
    KeyError {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Every secret the server holds.
#[derive(Clone)]
pub struct ServerKeys {
    pub embed_secret: Vec<u8>,
    pub admin_key: String,
    pub url_key: Vec<u8>,
    pub pseudonym_key: Vec<u8>,
    /// Binds a PostgreSQL transaction to its tenant (see `pg`): the same in
    /// every replica and in the database (`slicewise pg setup`).
    pub tenant_binding_key: Vec<u8>,
    /// (kid, key), oldest first; the last one signs.
    pub manifest_keys: Vec<(String, SigningKey)>,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKeys")
            .field(
                "manifest_kids",
                &self.manifest_keys.iter().map(|k| &k.0).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// Writes a new secret file, readable by its owner only from its first
/// byte: the text goes to a temporary file created with mode 0600 (never
/// following a link), is synced, then linked into place, which fails when
/// anything (a file, a link planted by someone else, another replica's
/// secret) already has the name. No reader ever sees it half written.
fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("secret");
    let tmp = dir.join(format!(".{name}.{}.tmp", hex::encode(random_bytes(8))));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked
}

/// Reads a secret file, creating it with `make` when missing.
fn read_or_create(
    path: &Path,
    created: &mut Vec<PathBuf>,
    make: impl FnOnce() -> String,
) -> Result<String, KeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = make();
            match write_secret(path, &text) {
                Ok(()) => {
                    created.push(path.to_path_buf());
                    Ok(text)
                }
                // Another replica sharing the folder wrote it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    std::fs::read_to_string(path)
                        .map(|t| t.trim().to_string())
                        .map_err(|e| key_error(path, e))
                }
                Err(e) => Err(key_error(path, e)),
            }
        }
        Err(e) => Err(key_error(path, e)),
    }
}

fn hex_secret(path: &Path, created: &mut Vec<PathBuf>) -> Result<Vec<u8>, KeyError> {
    let text = read_or_create(path, created, || hex::encode(random_bytes(32)))?;
    hex::decode(&text).map_err(|e| key_error(path, e))
}

/// The key id of a manifest key: creation time and a fingerprint.
fn new_kid(key: &SigningKey) -> String {
    let now = chrono::Utc::now().format("%Y%m%d%H%M%S");
    let fp = hex::encode(&Sha256::digest(key.verifying_key().as_bytes())[..4]);
    format!("{now}-{fp}")
}

/// Creates a new manifest signing key in the data folder; returns its public half.
pub fn add_manifest_key(data_dir: &Path) -> Result<PublicKey, KeyError> {
    let dir = data_dir.join("manifest_keys");
    std::fs::create_dir_all(&dir).map_err(|e| key_error(&dir, e))?;
    let seed: [u8; 32] = random_bytes(32).try_into().unwrap_or([7; 32]);
    let key = SigningKey::from_bytes(&seed);
    let kid = new_kid(&key);
    let path = dir.join(format!("{kid}.ed25519"));
    write_secret(&path, &hex::encode(seed)).map_err(|e| key_error(&path, e))?;
    Ok(public_key(&kid, &key.verifying_key()))
}

impl ServerKeys {
    /// Loads the secrets from `data_dir`, creating any that are missing.
    /// Returns the paths it created, for the start-up log.
    pub fn load_or_create(data_dir: &Path) -> Result<(ServerKeys, Vec<PathBuf>), KeyError> {
        std::fs::create_dir_all(data_dir).map_err(|e| key_error(data_dir, e))?;
        let mut created = Vec::new();
        let embed_secret = hex_secret(&data_dir.join("embed_secret"), &mut created)?;
        let url_key = hex_secret(&data_dir.join("url_key"), &mut created)?;
        let pseudonym_key = hex_secret(&data_dir.join("pseudonym_key"), &mut created)?;
        let tenant_binding_key = hex_secret(&data_dir.join("tenant_binding_key"), &mut created)?;
        let admin_key = read_or_create(&data_dir.join("admin_key"), &mut created, || {
            format!("swa_{}", hex::encode(random_bytes(24)))
        })?;
        let dir = data_dir.join("manifest_keys");
        let mut manifest_keys = read_manifest_keys(&dir)?;
        if manifest_keys.is_empty() {
            add_manifest_key(data_dir)?;
            created.push(dir.clone());
            manifest_keys = read_manifest_keys(&dir)?;
        }
        Ok((
            ServerKeys {
                embed_secret,
                admin_key,
                url_key,
                pseudonym_key,
                tenant_binding_key,
                manifest_keys,
            },
            created,
        ))
    }

    /// The key that signs new manifests, with its kid.
    pub fn signing_key(&self) -> Option<(&str, &SigningKey)> {
        self.manifest_keys.last().map(|(k, s)| (k.as_str(), s))
    }

    /// What this server publishes: its signer active, its older keys retired
    /// (listed for `lifetime` seconds more, the longest a manifest lives).
    pub fn publication(&self, now: i64, lifetime: i64) -> KeyPublication {
        let mut keys = self.key_set().keys;
        let signer = keys.pop();
        KeyPublication {
            active: signer.into_iter().collect(),
            retired: keys,
            now,
            lifetime,
        }
    }

    /// The verifying keys this process holds (clients get the database's list).
    pub fn key_set(&self) -> KeySet {
        KeySet {
            keys: self
                .manifest_keys
                .iter()
                .map(|(kid, k)| public_key(kid, &k.verifying_key()))
                .collect(),
        }
    }
}

fn read_manifest_keys(dir: &Path) -> Result<Vec<(String, SigningKey)>, KeyError> {
    let mut keys = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(keys),
        Err(e) => return Err(key_error(dir, e)),
    };
    for entry in entries {
        let path = entry.map_err(|e| key_error(dir, e))?.path();
        let Some(kid) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".ed25519"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).map_err(|e| key_error(&path, e))?;
        let seed: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| key_error(&path, "not a hex Ed25519 seed"))?;
        keys.push((kid.to_string(), SigningKey::from_bytes(&seed)));
    }
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keys)
}
