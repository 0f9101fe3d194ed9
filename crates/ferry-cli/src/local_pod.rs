//! The local pod: the embedded sandbox Symphony on its own 127.0.0.1 port, reached over HTTP through exactly
//! the client a real pod is reached with ([`PodClient`]), so a rehearsal exercises the same code as the real
//! import.
//!
//! On first start the service user's RSA key pair (2048-bit) is created; the private key (PKCS#8 PEM) is kept
//! beside the sandbox's state, `NAME.key.pem` beside `NAME.sqlite3`, readable by its owner only (0600), and in
//! memory only with [`Storage::Memory`]. The public key is registered through a [`Manifest`] service user,
//! [`SERVICE_USER`], with the roles `CONTENT_MANAGEMENT` and `USER_PROVISIONING`, together with a small demo
//! dataset ([`demo_manifest`]: three users, two rooms with members) so a first run can import something real.
//! Applying the manifest again at each start is idempotent; the key is never logged.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use ferry_proxy::{PodClient, PodConfig};
use ferry_sandbox::manifest::{ManifestServiceUser, ManifestStream, ManifestUser};
use ferry_sandbox::server::RunningSandbox;
use ferry_sandbox::store::StreamKind;
use ferry_sandbox::{Config, Manifest, Sandbox, Storage};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

/// The service user the local pod's client logs in as.
pub const SERVICE_USER: &str = "ferry-import";
/// Bits of the generated key.
const KEY_BITS: usize = 2048;

/// The demo dataset's users: `(id, username, display name)`.
pub const DEMO_USERS: [(i64, &str, &str); 3] = [
    (349_026_222_342, "alice", "Alice Archer"),
    (349_026_222_343, "bob", "Bob Baker"),
    (349_026_222_344, "carol", "Carol Chen"),
];
/// The demo dataset's rooms: `(stream id, name, member ids)`.
pub const DEMO_ROOMS: [(&str, &str, &[i64]); 2] = [
    (
        "iWyZBIOdQQzQj0tKOLRivX___qu6YeyZdA",
        "Ferry demo: general",
        &[349_026_222_342, 349_026_222_343, 349_026_222_344],
    ),
    (
        "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA",
        "Ferry demo: releases",
        &[349_026_222_342, 349_026_222_343],
    ),
];

/// Where the private key of `storage`'s service user is kept: `NAME.key.pem` beside `NAME.sqlite3`; `None`
/// in memory.
pub fn key_path(storage: &Storage) -> Option<PathBuf> {
    match storage {
        Storage::Memory => None,
        Storage::File(path) => Some(path.with_extension("key.pem")),
    }
}

/// The name a journal records for the local pod, stable across restarts (the sandbox's port is not): the
/// sandbox's state file, made absolute.
pub fn journal_upstream(storage: &Storage) -> String {
    match storage {
        Storage::Memory => "ferry-sandbox:memory".to_owned(),
        Storage::File(path) => {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            format!("ferry-sandbox:{}", absolute.display())
        }
    }
}

/// What the local pod holds besides its service user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dataset {
    /// The demo dataset ([`DEMO_USERS`], [`DEMO_ROOMS`]), so a first run can import something real.
    Demo,
    /// Nothing: the caller applies a manifest of its own, whose usernames may be the demo's.
    None,
}

/// The service user holding `public_key_pem`, and the demo dataset when `dataset` asks for it.
pub fn demo_manifest(public_key_pem: String, dataset: Dataset) -> Manifest {
    let demo = dataset == Dataset::Demo;
    Manifest {
        service_users: vec![ManifestServiceUser {
            username: SERVICE_USER.to_owned(),
            public_key_pem: Some(public_key_pem),
            public_key_path: None,
            roles: vec![
                "CONTENT_MANAGEMENT".to_owned(),
                "USER_PROVISIONING".to_owned(),
            ],
            id: None,
        }],
        users: DEMO_USERS
            .iter()
            .filter(|_| demo)
            .map(|&(id, username, display_name)| ManifestUser {
                id,
                username: username.to_owned(),
                active: true,
                display_name: Some(display_name.to_owned()),
                email: Some(format!("{username}@demo.ferry.invalid")),
            })
            .collect(),
        streams: DEMO_ROOMS
            .iter()
            .filter(|_| demo)
            .map(|&(id, name, members)| ManifestStream {
                id: id.to_owned(),
                kind: StreamKind::Room,
                active: true,
                members: members.to_vec(),
                name: Some(name.to_owned()),
            })
            .collect(),
        graph: None,
    }
}

/// Opens the sandbox's state in `storage` with `config`, registers the service user (creating its key on
/// first start) and the demo dataset, serves it on a free 127.0.0.1 port, and returns a client of it and the
/// running sandbox (keep it alive as long as the client is used; [`RunningSandbox::shutdown`] stops it).
///
/// # Errors
/// The state or the key cannot be read or written, the manifest cannot be applied, or no port can be bound.
pub async fn start_local_pod(
    storage: &Storage,
    config: Config,
    dataset: Dataset,
) -> Result<(Arc<PodClient>, RunningSandbox)> {
    let key_file = key_path(storage);
    let private_key = match &key_file {
        Some(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || load_or_create_key(&path))
                .await
                .context("key generation failed")??
        }
        None => tokio::task::spawn_blocking(generate_key)
            .await
            .context("key generation failed")??,
    };
    let public_pem = RsaPublicKey::from(&private_key)
        .to_public_key_pem(LineEnding::LF)
        .context("encoding the service user's public key")?;
    let private_pem = private_key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the service user's private key")?;
    let sandbox = Sandbox::open(storage, config).context("opening the sandbox's state")?;
    sandbox
        .apply_manifest(&demo_manifest(public_pem, dataset))
        .context("registering the service user and the demo dataset")?;
    let running = ferry_sandbox::server::spawn(sandbox, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .context("could not listen on 127.0.0.1 for the sandbox")?;
    let mut pod = PodConfig::local(
        running.address.port(),
        SERVICE_USER,
        private_pem.to_string(),
    );
    pod.private_key_source = match &key_file {
        Some(path) => path.display().to_string(),
        None => "generated key (in memory)".to_owned(),
    };
    let client = PodClient::new(pod).context("the local pod's client")?;
    Ok((client, running))
}

fn generate_key() -> Result<RsaPrivateKey> {
    RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS)
        .context("generating the service user's RSA key")
}

/// Reads the key at `path`, or creates it (0600) when there is none.
fn load_or_create_key(path: &Path) -> Result<RsaPrivateKey> {
    match std::fs::read_to_string(path) {
        Ok(pem) => {
            return RsaPrivateKey::from_pkcs8_pem(&pem).with_context(|| {
                format!(
                    "{}: not a PKCS#8 RSA private key (delete it to make a new one)",
                    path.display()
                )
            })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    }
    let key = generate_key()?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the service user's private key")?;
    write_private(path, pem.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

/// Writes a new file readable and writable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_key_sits_beside_the_state() {
        assert_eq!(
            key_path(&Storage::File("a/ferry-sandbox.sqlite3".into())),
            Some(PathBuf::from("a/ferry-sandbox.key.pem"))
        );
        assert_eq!(key_path(&Storage::Memory), None);
        assert!(journal_upstream(&Storage::File("x.sqlite3".into())).starts_with("ferry-sandbox:/"));
    }

    #[tokio::test]
    async fn a_file_pod_keeps_its_key_private_and_reuses_it() {
        let folder = std::env::temp_dir().join(format!("ferry-local-pod-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let storage = Storage::File(folder.join("ferry-sandbox.sqlite3"));
        let (client, running) = start_local_pod(&storage, Config::default(), Dataset::Demo).await.unwrap();
        let user = client.session_info().await.unwrap();
        assert_eq!(user.username, SERVICE_USER);
        running.shutdown().await.unwrap();
        let key = folder.join("ferry-sandbox.key.pem");
        let first = std::fs::read_to_string(&key).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let (client, running) = start_local_pod(&storage, Config::default(), Dataset::Demo).await.unwrap();
        client.session_info().await.unwrap();
        running.shutdown().await.unwrap();
        assert_eq!(
            std::fs::read_to_string(&key).unwrap(),
            first,
            "the key is reused"
        );
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
