//! Provisioning: the manifest a sandbox starts from, and the users, streams and memberships a batch needs.
//!
//! Manifest shape (JSON, camelCase; unknown fields are refused so a misspelt name is reported, not ignored):
//!
//! ```json
//! {"serviceUsers": [{"username": "import-bot", "publicKeyPem": "-----BEGIN PUBLIC KEY-----...",
//!                    "roles": ["CONTENT_MANAGEMENT", "USER_PROVISIONING"]}],
//!  "users": [{"id": 7215545057281, "username": "alice", "active": true}],
//!  "streams": [{"id": "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA", "type": "ROOM", "active": true,
//!               "members": [7215545057281]}]}
//! ```
//!
//! Extensions beyond that shape, all optional: `serviceUsers[].id`, `serviceUsers[].publicKeyPath` (a PEM file
//! instead of `publicKeyPem`, relative to the manifest's folder), `users[].displayName`, `users[].email`,
//! `streams[].name`. Applying a manifest is idempotent: users are matched by id (service users by username)
//! and streams by id, and the manifest's values win.
//!
//! A `graph` section beside those describes the simulated Microsoft Graph: its tenant, apps, users, channels
//! and chats ([`crate::graph::manifest`]). Without it the sandbox serves no Graph.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::SandboxError;
use crate::ids::normalize_stream_id;
use crate::store::{parse_public_key, Store, Stream, StreamKind, User};

/// A manifest: who and what exists in the sandbox.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// Service users that authenticate with an RSA key.
    #[serde(default)]
    pub service_users: Vec<ManifestServiceUser>,
    /// People (senders of imported messages).
    #[serde(default)]
    pub users: Vec<ManifestUser>,
    /// Rooms and IMs.
    #[serde(default)]
    pub streams: Vec<ManifestStream>,
    /// The simulated Microsoft Graph: tenant, apps, users, channels and chats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<crate::graph::GraphManifest>,
}

/// A service user entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManifestServiceUser {
    /// Username; the `sub` of its JWTs.
    pub username: String,
    /// RSA public key, PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`). Either this or `publicKeyPath`.
    #[serde(default)]
    pub public_key_pem: Option<String>,
    /// A file holding the PEM, relative to the manifest's folder (see [`Manifest::resolve_key_paths`]).
    #[serde(default)]
    pub public_key_path: Option<std::path::PathBuf>,
    /// Roles, e.g. `CONTENT_MANAGEMENT`, `USER_PROVISIONING`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// User id; one is assigned when absent.
    #[serde(default)]
    pub id: Option<i64>,
}

/// A user entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManifestUser {
    /// Symphony user id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Whether the user is active; default true.
    #[serde(default = "default_true")]
    pub active: bool,
    /// Display name; defaults to the username.
    #[serde(default)]
    pub display_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
}

/// A stream entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManifestStream {
    /// Stream id, either base64 alphabet.
    pub id: String,
    /// `ROOM` or `IM`.
    #[serde(rename = "type")]
    pub kind: StreamKind,
    /// Whether the stream is active; default true.
    #[serde(default = "default_true")]
    pub active: bool,
    /// Member user ids.
    #[serde(default)]
    pub members: Vec<i64>,
    /// Room name.
    #[serde(default)]
    pub name: Option<String>,
}

fn default_true() -> bool {
    true
}

impl Manifest {
    /// Parses a manifest.
    ///
    /// # Errors
    /// [`SandboxError::Json`] when the text is not a manifest.
    pub fn from_json(text: &[u8]) -> Result<Manifest, SandboxError> {
        serde_json::from_slice(text).map_err(|source| SandboxError::Json { what: "manifest".to_owned(), source })
    }

    /// Reads every `publicKeyPath` (relative paths from `folder`, the manifest's folder) into `publicKeyPem`.
    ///
    /// # Errors
    /// [`SandboxError::Invalid`] when a service user gives both or neither, or a key file cannot be read.
    pub fn resolve_key_paths(&mut self, folder: &std::path::Path) -> Result<(), SandboxError> {
        for service_user in &mut self.service_users {
            match (&service_user.public_key_pem, service_user.public_key_path.take()) {
                (Some(_), Some(_)) => {
                    return Err(SandboxError::Invalid(format!(
                        "service user `{}` gives both publicKeyPem and publicKeyPath; give one",
                        service_user.username
                    )))
                }
                (None, Some(path)) => {
                    let path = folder.join(path);
                    let pem = std::fs::read_to_string(&path).map_err(|error| {
                        SandboxError::Invalid(format!("public key of `{}`: {}: {error}", service_user.username, path.display()))
                    })?;
                    service_user.public_key_pem = Some(pem);
                }
                (_, None) => {}
            }
        }
        Ok(())
    }
}

/// What provisioning created or changed, for printing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionSummary {
    /// Users created: id and username.
    pub users_created: Vec<(i64, String)>,
    /// Streams created: id and type.
    pub streams_created: Vec<(String, StreamKind)>,
    /// Memberships added: stream id and user id.
    pub memberships_added: Vec<(String, i64)>,
    /// Graph users, channels and chats created, one line each (e.g. `Graph chat /chats/19%3A...`).
    pub graph_created: Vec<String>,
}

impl std::fmt::Display for ProvisionSummary {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (id, username) in &self.users_created {
            writeln!(formatter, "created user {id} ({username})")?;
        }
        for (id, kind) in &self.streams_created {
            writeln!(formatter, "created {} {id}", kind.as_str())?;
        }
        for (stream_id, user_id) in &self.memberships_added {
            writeln!(formatter, "added user {user_id} to stream {stream_id}")?;
        }
        for created in &self.graph_created {
            writeln!(formatter, "created {created}")?;
        }
        write!(
            formatter,
            "{} users, {} streams, {} memberships created",
            self.users_created.len(),
            self.streams_created.len(),
            self.memberships_added.len()
        )
    }
}

/// Applies a manifest to the state. Checks everything first, so a bad manifest changes nothing.
///
/// # Errors
/// [`SandboxError::Invalid`] for an unparsable public key or a stream member that is not listed or stored as a
/// user, or a `graph` section [`crate::graph::manifest`] refuses; [`SandboxError::Storage`] when SQLite fails.
pub fn apply_manifest(store: &mut Store, manifest: &Manifest) -> Result<ProvisionSummary, SandboxError> {
    let mut known_users: BTreeSet<i64> = manifest.users.iter().map(|user| user.id).collect();
    known_users.extend(manifest.service_users.iter().filter_map(|user| user.id));
    let mut public_keys = Vec::with_capacity(manifest.service_users.len());
    for service_user in &manifest.service_users {
        let pem = service_user.public_key_pem.as_ref().ok_or_else(|| {
            SandboxError::Invalid(format!(
                "service user `{}` needs publicKeyPem (or publicKeyPath, read by the command line)",
                service_user.username
            ))
        })?;
        parse_public_key(&service_user.username, pem)?;
        public_keys.push(pem.clone());
    }
    for stream in &manifest.streams {
        for member in &stream.members {
            if !known_users.contains(member) && store.directory().user(*member).is_none() {
                return Err(SandboxError::Invalid(format!(
                    "manifest stream `{}` lists member {member}, who is neither in `users` nor already provisioned",
                    stream.id
                )));
            }
        }
    }
    // Graph's section checks itself before changing anything (in one transaction), after the checks above and
    // before the changes below, so that a bad manifest changes nothing.
    let graph_created = match &manifest.graph {
        Some(graph) => crate::graph::manifest::apply(store, graph)?,
        None => Vec::new(),
    };
    let mut summary = ProvisionSummary { graph_created, ..ProvisionSummary::default() };
    for user in &manifest.users {
        if store.directory().user(user.id).is_none() {
            summary.users_created.push((user.id, user.username.clone()));
        }
        let display_name = user.display_name.clone().unwrap_or_else(|| user.username.clone());
        store.upsert_user(User {
            email: user.email.clone(),
            ..User::person(user.id, user.username.clone(), display_name, user.active)
        })?;
    }
    for (service_user, public_key_pem) in manifest.service_users.iter().zip(public_keys) {
        let existing = store.directory().user_by_name(&service_user.username).map(|user| user.id);
        let id = service_user.id.or(existing).unwrap_or_else(|| store.directory().next_user_id());
        if store.directory().user(id).is_none() {
            summary.users_created.push((id, service_user.username.clone()));
        }
        store.upsert_user(User {
            id,
            username: service_user.username.clone(),
            display_name: service_user.username.clone(),
            email: None,
            active: true,
            service: true,
            roles: service_user.roles.clone(),
            public_key_pem: Some(public_key_pem),
        })?;
    }
    for stream in &manifest.streams {
        let id = normalize_stream_id(&stream.id);
        let previous = store.directory().stream(&id).cloned();
        let members: BTreeSet<i64> = stream.members.iter().copied().collect();
        if previous.is_none() {
            summary.streams_created.push((id.clone(), stream.kind));
        }
        let already: BTreeSet<i64> = previous.as_ref().map(|stream| stream.members.clone()).unwrap_or_default();
        summary.memberships_added.extend(members.difference(&already).map(|member| (id.clone(), *member)));
        store.upsert_stream(Stream {
            id,
            kind: stream.kind,
            name: stream.name.clone().or_else(|| previous.as_ref().and_then(|stream| stream.name.clone())),
            active: stream.active,
            members,
            created_by: previous.as_ref().and_then(|stream| stream.created_by),
            created_at: previous.as_ref().map_or(0, |stream| stream.created_at),
        })?;
    }
    Ok(summary)
}

/// The users, streams and memberships that a set of batches needs (the import documentation's steps 1 and 2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchNeeds {
    /// Stream id (normalized) to the senders seen in it.
    pub senders_by_stream: BTreeMap<String, BTreeSet<i64>>,
}

impl BatchNeeds {
    /// Reads one batch file: a JSON array of `V4ImportedMessage` objects, or JSON Lines of them. Records
    /// without a usable `streamId` or `intendedMessageFromUserId` are skipped (import will report them).
    ///
    /// # Errors
    /// [`SandboxError::Json`] when the file is neither a JSON array nor JSON Lines of objects.
    pub fn add_batch(&mut self, name: &str, bytes: &[u8]) -> Result<(), SandboxError> {
        let records: Vec<serde_json::Value> = match serde_json::from_slice::<Vec<serde_json::Value>>(bytes) {
            Ok(records) => records,
            Err(array_error) => {
                let mut records = Vec::new();
                for line in bytes.split(|byte| *byte == b'\n') {
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    match serde_json::from_slice(line) {
                        Ok(record) => records.push(record),
                        Err(_) => return Err(SandboxError::Json { what: format!("batch {name}"), source: array_error }),
                    }
                }
                records
            }
        };
        for record in records {
            let stream = record.get("streamId").and_then(serde_json::Value::as_str);
            let sender = record.get("intendedMessageFromUserId").and_then(serde_json::Value::as_i64);
            if let (Some(stream), Some(sender)) = (stream, sender) {
                self.senders_by_stream.entry(normalize_stream_id(stream)).or_default().insert(sender);
            }
        }
        Ok(())
    }
}

/// Creates what `needs` lists and does not exist yet: users (active, username `user-<id>`), streams (as rooms;
/// a batch does not say whether a conversation was an IM), and the senders' memberships. Existing users and
/// streams are left as they are, except that missing memberships are added.
///
/// # Errors
/// [`SandboxError::Storage`] when SQLite fails.
pub fn provision_needs(store: &mut Store, needs: &BatchNeeds, now_millis: i64) -> Result<ProvisionSummary, SandboxError> {
    let mut summary = ProvisionSummary::default();
    let senders: BTreeSet<i64> = needs.senders_by_stream.values().flatten().copied().collect();
    for sender in senders {
        if store.directory().user(sender).is_none() {
            let username = format!("user-{sender}");
            store.upsert_user(User::person(sender, username.clone(), username.clone(), true))?;
            summary.users_created.push((sender, username));
        }
    }
    for (stream_id, senders) in &needs.senders_by_stream {
        if store.directory().stream(stream_id).is_none() {
            store.upsert_stream(Stream {
                id: stream_id.clone(),
                kind: StreamKind::Room,
                name: None,
                active: true,
                members: BTreeSet::new(),
                created_by: None,
                created_at: now_millis,
            })?;
            summary.streams_created.push((stream_id.clone(), StreamKind::Room));
        }
        for sender in senders {
            let is_member = store.directory().stream(stream_id).is_some_and(|stream| stream.members.contains(sender));
            if !is_member {
                store.set_membership(stream_id, *sender, true)?;
                summary.memberships_added.push((stream_id.clone(), *sender));
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::store::Storage;

    const PUBLIC: &str = include_str!("../tests/fixtures/service-user.pub.pem");

    fn manifest() -> Manifest {
        Manifest::from_json(
            serde_json::json!({
                "serviceUsers": [{"username": "import-bot", "publicKeyPem": PUBLIC, "roles": ["CONTENT_MANAGEMENT"]}],
                "users": [{"id": 7215545057281_i64, "username": "alice", "active": true},
                          {"id": 7215545057282_i64, "username": "bob"}],
                "streams": [{"id": "Z3oQRAZGTCNl5KjiUH2G1n///qr9lLT8dA", "type": "ROOM", "active": true,
                             "members": [7215545057281_i64]}]
            })
            .to_string()
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn manifest_applies_and_reapplies_idempotently() {
        let mut store = Store::open(&Storage::Memory).unwrap();
        let first = apply_manifest(&mut store, &manifest()).unwrap();
        assert_eq!(first.users_created.len(), 3);
        assert_eq!(first.streams_created, vec![("Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA".to_owned(), StreamKind::Room)]);
        assert_eq!(first.memberships_added.len(), 1);
        let second = apply_manifest(&mut store, &manifest()).unwrap();
        assert_eq!(second, ProvisionSummary::default());
        let bot = store.directory().user_by_name("import-bot").unwrap();
        assert!(bot.service && bot.has_role("CONTENT_MANAGEMENT"));
        assert!(store.directory().user(7215545057282).unwrap().active, "active defaults to true");
    }

    #[test]
    fn bad_manifests_are_refused_before_any_change() {
        let table = [
            (serde_json::json!({"users": [], "stream": []}), "unknown field `stream`"),
            (
                serde_json::json!({"users": [{"id": 1, "username": "a"}],
                                   "streams": [{"id": "s", "type": "ROOM", "members": [2]}]}),
                "lists member 2",
            ),
            (
                serde_json::json!({"users": [{"id": 1, "username": "a"}],
                                   "serviceUsers": [{"username": "b", "publicKeyPem": "nope"}]}),
                "not an RSA public key",
            ),
            (serde_json::json!({"streams": [{"id": "s", "type": "CHANNEL"}]}), "unknown variant `CHANNEL`"),
            (serde_json::json!({"serviceUsers": [{"username": "b"}]}), "needs publicKeyPem"),
        ];
        for (json, fragment) in table {
            let mut store = Store::open(&Storage::Memory).unwrap();
            let outcome =
                Manifest::from_json(json.to_string().as_bytes()).and_then(|manifest| apply_manifest(&mut store, &manifest));
            let error = outcome.unwrap_err().to_string();
            assert!(error.contains(fragment), "{json}: {error}");
            assert_eq!(store.directory().counts(), (0, 0), "{json}");
        }
    }

    #[test]
    fn key_paths_are_read_relative_to_the_manifest() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let table = [
            (serde_json::json!({"username": "a", "publicKeyPath": "fixtures/service-user.pub.pem"}), Ok(PUBLIC)),
            (serde_json::json!({"username": "a", "publicKeyPem": PUBLIC}), Ok(PUBLIC)),
            (
                serde_json::json!({"username": "a", "publicKeyPem": PUBLIC, "publicKeyPath": "x.pem"}),
                Err("both publicKeyPem and publicKeyPath"),
            ),
            (serde_json::json!({"username": "a", "publicKeyPath": "missing.pem"}), Err("missing.pem")),
        ];
        for (entry, expected) in table {
            let text = serde_json::json!({"serviceUsers": [entry]}).to_string();
            let mut manifest = Manifest::from_json(text.as_bytes()).unwrap();
            match (manifest.resolve_key_paths(&folder), expected) {
                (Ok(()), Ok(pem)) => assert_eq!(manifest.service_users[0].public_key_pem.as_deref(), Some(pem), "{text}"),
                (Err(error), Err(fragment)) => assert!(error.to_string().contains(fragment), "{text}: {error}"),
                (outcome, expected) => panic!("{text}: {outcome:?} but expected {expected:?}"),
            }
        }
    }

    #[test]
    fn batches_provision_senders_streams_and_memberships() {
        let mut needs = BatchNeeds::default();
        let array = br#"[{"streamId": "s+1", "intendedMessageFromUserId": 1},
                         {"streamId": "s+1", "intendedMessageFromUserId": 2},
                         {"streamId": "s2"}]"#;
        let lines = b"{\"streamId\": \"s2\", \"intendedMessageFromUserId\": 2}\n\n";
        needs.add_batch("a.json", array).unwrap();
        needs.add_batch("b.jsonl", lines).unwrap();
        assert!(needs.add_batch("c", b"nope").is_err());
        let mut store = Store::open(&Storage::Memory).unwrap();
        let summary = provision_needs(&mut store, &needs, 0).unwrap();
        assert_eq!(summary.users_created, vec![(1, "user-1".into()), (2, "user-2".into())]);
        assert_eq!(summary.streams_created.len(), 2);
        assert_eq!(summary.memberships_added, vec![("s-1".into(), 1), ("s-1".into(), 2), ("s2".into(), 2)]);
        assert_eq!(provision_needs(&mut store, &needs, 0).unwrap(), ProvisionSummary::default());
        insta::assert_snapshot!(summary.to_string());
    }
}
