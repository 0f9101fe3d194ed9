//! Pre-flight rules: what a batch needs from the target Symphony pod, and the findings when the pod lacks it.
//!
//! This module is pure, like the rest of the core. A caller that can reach the pod (ferry-proxy) reads each
//! record's needs with [`record_needs`], looks the users and streams up over HTTP, gathers the answers in
//! [`PodFacts`], and turns them into [`Diagnostic`]s with [`check_service_user`] (once per batch) and
//! [`check_record`] (once per record). The rules are the `POD` family (`POD001`..`POD007`), all errors.
//!
//! Invariants:
//! - No I/O, no clock, no HTTP: the facts are passed in.
//! - [`record_needs`] never panics, whatever the bytes; what it cannot read is `None` or left out. Its work is
//!   linear in the record's size, and nesting is bounded by serde_json's recursion limit (128).
//! - A user or stream absent from the maps of [`PodFacts`] was looked up and does not exist; a caller that did
//!   not look something up must not run the checks that need it.
//! - Stream ids are compared normalised to URL-safe base64 without padding ([`normalize_stream_id`]), and
//!   emails lowercased, on both sides.

mod needs;
pub mod rules;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Location, Span};

pub use needs::{normalize_stream_id, record_needs};

/// The help of every finding that provisioning can repair.
const PROVISION_HINT: &str = "`ferry import --provision` creates missing users, streams and memberships";

/// The role a service user needs to call the Agent's import.
pub const CONTENT_MANAGEMENT_ROLE: &str = "CONTENT_MANAGEMENT";

/// What a record needs from the pod, read from the record's JSON text (one `V4ImportedMessage` object).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordNeeds {
    /// `intendedMessageFromUserId`: an integer, or a string of decimal digits (which `SCH005` reports, but
    /// which still names a user).
    pub sender: Option<i64>,
    /// `intendedMessageTimestamp`, when it is an integer (the planner orders a stream's records by it).
    pub timestamp: Option<i64>,
    /// `streamId` normalised to URL-safe base64 without padding (`+` → `-`, `/` → `_`, `=` removed), as the
    /// pod's stream ids are.
    pub stream: Option<String>,
    /// `originatingSystemId`, as written.
    pub originating_system_id: Option<String>,
    /// `originalMessageId`, as written.
    pub original_message_id: Option<String>,
    /// Every user the record mentions: each strict `<mention uid=".."/>` or `<mention email=".."/>` in
    /// `message` (a `strict="false"` mention is shown as text when the user is unknown, so it needs nothing), then each EntityJSON mention in `data` (an entity of type
    /// `com.symphony.user.mention` whose `id` array holds a `com.symphony.user.userId`). Duplicates removed,
    /// in order of first appearance; emails lowercased.
    pub mentions: Vec<MentionedUser>,
    /// Where each mention of [`mentions`](Self::mentions) first appears, index for index. A caller building
    /// `RecordNeeds` by hand may leave it shorter; a mention without a place is located at `/message`.
    pub mention_places: Vec<MentionPlace>,
}

/// A user named by a mention.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MentionedUser {
    /// By Symphony user id.
    Id(i64),
    /// By email address, lowercased.
    Email(String),
}

/// Where in the record a mention is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MentionPlace {
    /// JSON pointer of the field: `/message` or `/data`.
    pub pointer: &'static str,
    /// Byte span of the `<mention>` tag inside the field's decoded text (0-based, half-open); `None` for
    /// EntityJSON mentions.
    pub span: Option<Span>,
}

impl RecordNeeds {
    /// Where the `index`th mention is (`/message`, no span, when not recorded).
    pub fn mention_place(&self, index: usize) -> MentionPlace {
        self.mention_places.get(index).copied().unwrap_or(MentionPlace { pointer: "/message", span: None })
    }
}

/// What a pre-flight found in the pod. A user or stream absent from the maps was looked up and does not
/// exist.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodFacts {
    /// The service user the import runs as; `None`: not looked up.
    pub service_user: Option<ServiceUser>,
    /// Users by id.
    pub users: HashMap<i64, PodUser>,
    /// Users by email; keys lowercased.
    pub users_by_email: HashMap<String, PodUser>,
    /// Streams by id; keys normalised with [`normalize_stream_id`].
    pub streams: HashMap<String, PodStream>,
}

/// The service user (the bot) whose session calls the Agent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceUser {
    /// Its user id.
    pub id: i64,
    /// Its username.
    pub username: String,
    /// Its roles, as the pod names them (`CONTENT_MANAGEMENT`, `INDIVIDUAL`, ...).
    pub roles: Vec<String>,
}

/// A user found in the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodUser {
    /// Its user id.
    pub id: i64,
    /// Whether the account is active (a deactivated user cannot send).
    pub active: bool,
}

/// A stream found in the pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStream {
    /// Whether the stream is active (a deactivated room takes no messages).
    pub active: bool,
    /// `ROOM`, `IM` or `MIM`, as the pod names it.
    pub kind: String,
    /// The user ids of its members; `None`: membership unknown (not looked up).
    #[serde(default)]
    pub members: Option<HashSet<i64>>,
}

/// Batch-level finding: the service user lacks the `CONTENT_MANAGEMENT` role (`POD001`). The finding has no
/// record (`location.record` is `None`, `location.file` 0). Nothing is found when the service user was not
/// looked up. Roles are compared ignoring ASCII case.
pub fn check_service_user(facts: &PodFacts) -> Vec<Diagnostic> {
    let Some(service_user) = &facts.service_user else { return Vec::new() };
    if service_user.roles.iter().any(|role| role.trim().eq_ignore_ascii_case(CONTENT_MANAGEMENT_ROLE)) {
        return Vec::new();
    }
    vec![rules::service_user_lacks_content_management::diagnostic(service_user)]
}

/// Findings for one record (`POD002`..`POD007`), in the order sender, stream, mentions. `location` is the
/// record's place (file index, record index, source span of the record in its file); each finding copies it
/// and sets the JSON pointer of its field (`/intendedMessageFromUserId`, `/streamId`, `/message` or `/data`)
/// and, for a `<mention>` tag, its span inside `message`.
///
/// A sender that does not exist is not also reported as a non-member; membership is checked only when the
/// stream exists and its members are known (whether or not it is active).
pub fn check_record(needs: &RecordNeeds, facts: &PodFacts, location: Location) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let place = |diagnostic: Diagnostic, pointer: &str, span: Option<Span>| {
        let mut diagnostic = diagnostic;
        diagnostic.location = Location { pointer: pointer.to_owned(), span, ..location.clone() };
        diagnostic
    };
    let stream = needs.stream.as_deref().map(|id| (id, facts.streams.get(id)));
    if let Some(sender) = needs.sender {
        match facts.users.get(&sender) {
            None => {
                findings.push(place(rules::sender_not_found::diagnostic(sender), "/intendedMessageFromUserId", None))
            }
            Some(user) => {
                if !user.active {
                    findings.push(place(
                        rules::sender_inactive::diagnostic(sender),
                        "/intendedMessageFromUserId",
                        None,
                    ));
                }
                if let Some((stream_id, Some(PodStream { members: Some(members), .. }))) = stream {
                    if !members.contains(&sender) {
                        findings.push(place(
                            rules::sender_not_member::diagnostic(sender, stream_id),
                            "/intendedMessageFromUserId",
                            None,
                        ));
                    }
                }
            }
        }
    }
    match stream {
        Some((stream_id, None)) => {
            findings.push(place(rules::stream_not_found::diagnostic(stream_id), "/streamId", None))
        }
        Some((stream_id, Some(found))) if !found.active => {
            findings.push(place(rules::stream_inactive::diagnostic(stream_id, &found.kind), "/streamId", None));
        }
        _ => {}
    }
    for (index, mention) in needs.mentions.iter().enumerate() {
        let exists = match mention {
            MentionedUser::Id(id) => facts.users.contains_key(id),
            MentionedUser::Email(email) => {
                facts.users_by_email.contains_key(email) || facts.users_by_email.contains_key(&email.to_lowercase())
            }
        };
        if !exists {
            let found_at = needs.mention_place(index);
            findings.push(place(rules::mentioned_user_not_found::diagnostic(mention), found_at.pointer, found_at.span));
        }
    }
    findings
}

#[cfg(test)]
mod tests;
