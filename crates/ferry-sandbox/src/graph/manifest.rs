//! The manifest's `graph` section: the tenant, its app registrations, its users, and the teams' channels and
//! the chats that messages may be imported into.
//!
//! ```json
//! {"graph": {"tenantId": "9b1c...", "apps": [{"clientId": "3c5e...", "clientSecret": "..."}],
//!            "users": [{"id": "<entra id>", "displayName": "Alice Martin"}],
//!            "teams": [{"id": "2a7b...", "channels": [{"id": "19:...@thread.tacv2", "createdDateTime": "2015-01-01T00:00:00Z"}]}],
//!            "chats": [{"id": "19:...@thread.v2", "members": ["<entra id>"], "createdDateTime": "2016-03-01T00:00:00Z"}]}}
//! ```
//!
//! Extensions, all optional: `tokenLifetimeSeconds` (the `expires_in` of issued tokens, default 3599 as the
//! identity platform answers; short lifetimes let a client's refresh be tested), `apps[].certificate` (the
//! public key, PEM, of the app's certificate: client assertions signed with its private key are accepted),
//! `teams[].displayName`, `channels[].displayName`, `chats[].topic`. Unknown fields are refused, as in the rest
//! of the manifest. Applying is idempotent: everything is matched by id and the manifest's values win, except a
//! conversation's `createdDateTime`, which keeps the earlier of the stored and the given value (it only moves to
//! the past), and its migration state, which the manifest never changes.

use std::collections::BTreeSet;

use ferry_core::teams::Conversation;
use serde::{Deserialize, Serialize};

use super::store::{self, App, Tenant};
use super::time::parse_date_time;
use crate::error::SandboxError;
use crate::store::Store;

/// `expires_in` of the identity platform's app-only tokens.
const DEFAULT_TOKEN_LIFETIME_SECONDS: u32 = 3599;

/// The `graph` section of a manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GraphManifest {
    /// The tenant's id, the `{tenantId}` of the token endpoint.
    pub tenant_id: String,
    /// App registrations that may obtain tokens.
    #[serde(default)]
    pub apps: Vec<GraphApp>,
    /// The tenant's users: senders and mentioned users of imported messages.
    #[serde(default)]
    pub users: Vec<GraphUser>,
    /// Teams and their channels.
    #[serde(default)]
    pub teams: Vec<GraphTeam>,
    /// Chats.
    #[serde(default)]
    pub chats: Vec<GraphChat>,
    /// `expires_in` of issued tokens, in seconds (default 3599).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_seconds: Option<u32>,
}

/// An app registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GraphApp {
    /// The application (client) id.
    pub client_id: String,
    /// A client secret; this or `certificate` (or both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The RSA public key (PEM) of the app's certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// A user of the tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GraphUser {
    /// The Entra object id.
    pub id: String,
    /// The name Teams shows.
    pub display_name: String,
}

/// A team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GraphTeam {
    /// The team's id.
    pub id: String,
    /// The team's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Its channels.
    #[serde(default)]
    pub channels: Vec<GraphChannel>,
}

/// A channel of a team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GraphChannel {
    /// The channel's id, e.g. `19:...@thread.tacv2`.
    pub id: String,
    /// When it was created (ISO 8601 with an offset); imported messages must be later.
    pub created_date_time: String,
    /// The channel's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A one-to-one or group chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GraphChat {
    /// The chat's id, e.g. `19:...@thread.v2`.
    pub id: String,
    /// Entra ids of its members, each a user of `users` (or already stored).
    #[serde(default)]
    pub members: Vec<String>,
    /// When it was created (ISO 8601 with an offset); imported messages must be later.
    pub created_date_time: String,
    /// The chat's topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// One conversation of the manifest, checked.
struct CheckedConversation<'a> {
    conversation: Conversation,
    display_name: Option<&'a str>,
    created_millis: i64,
    members: &'a [String],
}

/// Applies the `graph` section. Checks everything before changing anything; returns what it created, one line
/// each (`Graph user ...`, `Graph channel /teams/.../channels/...`, `Graph chat /chats/...`).
///
/// # Errors
/// [`SandboxError::Invalid`] for an empty tenant id, an app without a credential or with a certificate that is
/// not an RSA public key, a `createdDateTime` that is not an ISO 8601 date-time with an offset, or a chat member
/// who is not a user; [`SandboxError::Storage`] when SQLite fails.
pub(crate) fn apply(store: &mut Store, manifest: &GraphManifest) -> Result<Vec<String>, SandboxError> {
    let conversations = check(store, manifest)?;
    let mut created = Vec::new();
    let transaction = store.connection_mut().transaction()?;
    store::set_tenant(
        &transaction,
        &Tenant {
            tenant_id: manifest.tenant_id.clone(),
            token_lifetime_seconds: i64::from(
                manifest.token_lifetime_seconds.unwrap_or(DEFAULT_TOKEN_LIFETIME_SECONDS),
            ),
        },
    )?;
    for app in &manifest.apps {
        store::upsert_app(
            &transaction,
            &App {
                client_id: app.client_id.clone(),
                client_secret: app.client_secret.clone(),
                certificate_pem: app.certificate.clone(),
            },
        )?;
    }
    for user in &manifest.users {
        if store::upsert_user(&transaction, &user.id, &user.display_name)? {
            created.push(format!("Graph user {} ({})", user.id, user.display_name));
        }
    }
    for checked in conversations {
        let conversation = &checked.conversation;
        if store::upsert_conversation(
            &transaction,
            conversation,
            checked.display_name,
            checked.created_millis,
            checked.members,
        )? {
            let kind = if matches!(conversation, Conversation::Chat { .. }) { "chat" } else { "channel" };
            created.push(format!("Graph {kind} {}", conversation.path()));
        }
    }
    transaction.commit()?;
    Ok(created)
}

fn check<'a>(store: &Store, manifest: &'a GraphManifest) -> Result<Vec<CheckedConversation<'a>>, SandboxError> {
    let invalid = |message: String| SandboxError::Invalid(format!("manifest graph: {message}"));
    if manifest.tenant_id.trim().is_empty() {
        return Err(invalid("tenantId is empty".to_owned()));
    }
    for app in &manifest.apps {
        if app.client_secret.is_none() && app.certificate.is_none() {
            return Err(invalid(format!("app `{}` needs clientSecret or certificate", app.client_id)));
        }
        if let Some(pem) = &app.certificate {
            jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|error| {
                invalid(format!("the certificate of app `{}` is not an RSA public key in PEM: {error}", app.client_id))
            })?;
        }
    }
    let users: BTreeSet<&str> = manifest.users.iter().map(|user| user.id.as_str()).collect();
    let created = |what: &str, text: &str| {
        parse_date_time(text).map_err(|error| {
            invalid(format!("{what}: createdDateTime `{text}` is not an ISO 8601 date-time with an offset: {error}"))
        })
    };
    let mut checked = Vec::new();
    for team in &manifest.teams {
        for channel in &team.channels {
            checked.push(CheckedConversation {
                conversation: Conversation::Channel { team_id: team.id.clone(), channel_id: channel.id.clone() },
                display_name: channel.display_name.as_deref(),
                created_millis: created(
                    &format!("channel `{}` of team `{}`", channel.id, team.id),
                    &channel.created_date_time,
                )?,
                members: &[],
            });
        }
    }
    for chat in &manifest.chats {
        for member in &chat.members {
            if !users.contains(member.as_str()) && store::user_display_name(store.connection(), member)?.is_none() {
                return Err(invalid(format!(
                    "chat `{}` lists member `{member}`, who is neither in `users` nor already provisioned",
                    chat.id
                )));
            }
        }
        checked.push(CheckedConversation {
            conversation: Conversation::Chat { chat_id: chat.id.clone() },
            display_name: chat.topic.as_deref(),
            created_millis: created(&format!("chat `{}`", chat.id), &chat.created_date_time)?,
            members: &chat.members,
        });
    }
    Ok(checked)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::manifest::{apply_manifest, Manifest};
    use crate::store::Storage;

    const PUBLIC: &str = include_str!("../../tests/fixtures/service-user.pub.pem");

    fn graph(overrides: serde_json::Value) -> serde_json::Value {
        let mut graph = serde_json::json!({
            "tenantId": "tenant",
            "apps": [{"clientId": "app", "clientSecret": "secret"}, {"clientId": "cert-app", "certificate": PUBLIC}],
            "users": [{"id": "u1", "displayName": "One"}, {"id": "u2", "displayName": "Two"}],
            "teams": [{"id": "t", "channels": [{"id": "19:c@thread.tacv2", "createdDateTime": "2015-01-01T00:00:00Z"}]}],
            "chats": [{"id": "19:x@thread.v2", "members": ["u1", "u2"], "createdDateTime": "2016-03-01T00:00:00Z"}]
        });
        for (key, value) in overrides.as_object().unwrap() {
            graph[key] = value.clone();
        }
        serde_json::json!({ "graph": graph })
    }

    fn apply(store: &mut Store, json: &serde_json::Value) -> Result<crate::ProvisionSummary, SandboxError> {
        Manifest::from_json(json.to_string().as_bytes()).and_then(|manifest| apply_manifest(store, &manifest))
    }

    #[test]
    fn a_graph_section_applies_and_reapplies_idempotently() {
        let mut store = Store::open(&Storage::Memory).unwrap();
        let first = apply(&mut store, &graph(serde_json::json!({}))).unwrap();
        assert_eq!(
            first.graph_created,
            [
                "Graph user u1 (One)",
                "Graph user u2 (Two)",
                "Graph channel /teams/t/channels/19%3Ac%40thread.tacv2",
                "Graph chat /chats/19%3Ax%40thread.v2"
            ]
        );
        assert!(first.to_string().contains("created Graph chat /chats/19%3Ax%40thread.v2\n"), "{first}");
        let tenant = store::tenant(store.connection()).unwrap().unwrap();
        assert_eq!((tenant.tenant_id.as_str(), tenant.token_lifetime_seconds), ("tenant", 3599));
        assert!(store::app(store.connection(), "cert-app").unwrap().unwrap().certificate_pem.is_some());
        // Applied again with a later creation time: nothing created, the earlier time kept.
        let later = graph(serde_json::json!({
            "teams": [{"id": "t", "channels": [{"id": "19:c@thread.tacv2", "createdDateTime": "2018-01-01T00:00:00Z"}]}],
            "tokenLifetimeSeconds": 5
        }));
        assert!(apply(&mut store, &later).unwrap().graph_created.is_empty());
        let channel =
            store::load_conversation(store.connection(), "/teams/t/channels/19%3Ac%40thread.tacv2").unwrap().unwrap();
        assert_eq!(channel.created_millis, 1_420_070_400_000, "2015-01-01 kept");
        assert_eq!(
            store::tenant(store.connection()).unwrap().unwrap().token_lifetime_seconds,
            5,
            "the manifest's values win"
        );
        let chat = store::load_conversation(store.connection(), "/chats/19%3Ax%40thread.v2").unwrap().unwrap();
        assert_eq!(chat.members, ["u1", "u2"]);
    }

    #[test]
    fn bad_graph_sections_are_refused_before_any_change() {
        let table = [
            (graph(serde_json::json!({"tenantId": " "})), "tenantId is empty"),
            (graph(serde_json::json!({"apps": [{"clientId": "bare"}]})), "needs clientSecret or certificate"),
            (graph(serde_json::json!({"apps": [{"clientId": "a", "certificate": "nope"}]})), "not an RSA public key"),
            (
                graph(
                    serde_json::json!({"chats": [{"id": "c", "members": ["u9"], "createdDateTime": "2016-03-01T00:00:00Z"}]}),
                ),
                "lists member `u9`",
            ),
            (
                graph(
                    serde_json::json!({"teams": [{"id": "t", "channels": [{"id": "c", "createdDateTime": "2015-01-01"}]}]}),
                ),
                "is not an ISO 8601 date-time with an offset",
            ),
            (graph(serde_json::json!({"team": []})), "unknown field `team`"),
            (graph(serde_json::json!({"chats": [{"id": "c"}]})), "missing field `createdDateTime`"),
        ];
        for (json, fragment) in table {
            let mut store = Store::open(&Storage::Memory).unwrap();
            let error = apply(&mut store, &json).unwrap_err().to_string();
            assert!(error.contains(fragment), "{json}: {error}");
            assert_eq!(store::tenant(store.connection()).unwrap(), None, "{json}");
            assert_eq!(store::user_display_name(store.connection(), "u1").unwrap(), None, "{json}");
        }
    }
}
