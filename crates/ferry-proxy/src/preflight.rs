//! The pre-flight: read-only look-ups in the pod before anything is sent, turned into diagnostics by
//! ferry-core's pod rules (`POD001`–`POD007`), and, only when asked, provisioning of what is missing.
//!
//! Look-ups are batched (`GET /pod/v3/users` takes 100 ids at a time, asked once for every user and once for
//! active ones, since the answer does not say which are active) and each stream is asked once; several run at
//! a time. Provisioning uses the documented pod calls only, and only what they can do: reactivate users and
//! streams, add memberships, create users for mentioned emails. A user id or stream id the pod does not know
//! cannot be created (the pod assigns ids): those stay diagnostics.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use ferry_core::pod::{check_record, check_service_user, MentionedUser, PodFacts, PodStream, PodUser, ServiceUser};
use ferry_core::{Diagnostic, Rule};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use crate::client::{PodClient, UserKey, USERS_PER_LOOKUP};
use crate::error::CallError;
use crate::intake::PlannedNeeds;

/// Look-ups in flight at once.
const LOOKUP_CONCURRENCY: usize = 8;

/// Everything the records need, each once.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    /// Senders and mentioned user ids.
    pub user_ids: BTreeSet<i64>,
    /// Mentioned emails.
    pub emails: BTreeSet<String>,
    /// Streams, normalised.
    pub streams: BTreeSet<String>,
}

impl Wanted {
    /// Gathers what `records` need.
    pub fn of(records: &[PlannedNeeds]) -> Wanted {
        let mut wanted = Wanted::default();
        for record in records {
            wanted.user_ids.extend(record.needs.sender);
            wanted.streams.extend(record.needs.stream.clone());
            for mention in &record.needs.mentions {
                match mention {
                    MentionedUser::Id(id) => {
                        wanted.user_ids.insert(*id);
                    }
                    MentionedUser::Email(email) => {
                        wanted.emails.insert(email.clone());
                    }
                }
            }
        }
        wanted
    }
}

/// Looks up the service user, every wanted user and stream, and the members of each stream.
///
/// # Errors
/// The first look-up that fails (after retries).
pub async fn gather_facts(client: &PodClient, wanted: &Wanted) -> Result<PodFacts, CallError> {
    let session = client.session_info().await?;
    let mut facts = PodFacts {
        service_user: Some(ServiceUser { id: session.id, username: session.username, roles: session.roles }),
        ..PodFacts::default()
    };
    let ids: Vec<String> = wanted.user_ids.iter().map(i64::to_string).collect();
    for (key, user) in look_up_users(client, UserKey::Id, &ids).await? {
        if let Ok(id) = key.parse::<i64>() {
            facts.users.insert(id, user);
        }
    }
    let emails: Vec<String> = wanted.emails.iter().cloned().collect();
    facts.users_by_email = look_up_users(client, UserKey::Email, &emails).await?.into_iter().collect();
    let streams: Vec<(String, Option<PodStream>)> = stream::iter(wanted.streams.iter().cloned())
        .map(|stream_id| async move {
            let Some(info) = client.stream_info(&stream_id).await? else { return Ok((stream_id, None)) };
            let members = client.stream_members(&stream_id).await?;
            let kind = info.stream_type.and_then(|kind| kind.kind).unwrap_or_default();
            Ok::<_, CallError>((stream_id, Some(PodStream { active: info.active, kind, members })))
        })
        .buffer_unordered(LOOKUP_CONCURRENCY)
        .try_collect()
        .await?;
    facts.streams = streams.into_iter().filter_map(|(id, stream)| Some((id, stream?))).collect();
    Ok(facts)
}

/// Users found by id or email (the key as asked, emails lowercased), each marked active or not.
async fn look_up_users(
    client: &PodClient,
    by: UserKey,
    values: &[String],
) -> Result<Vec<(String, PodUser)>, CallError> {
    let chunks: Vec<Vec<String>> = values.chunks(USERS_PER_LOOKUP).map(<[String]>::to_vec).collect();
    let answers: Vec<Vec<(String, PodUser)>> = stream::iter(chunks)
        .map(|chunk| async move {
            let all = client.users(by, &chunk, false).await?;
            let active: HashSet<i64> = client.users(by, &chunk, true).await?.iter().map(|user| user.id).collect();
            let found = all.into_iter().filter_map(|user| {
                let key = match by {
                    UserKey::Id => user.id.to_string(),
                    UserKey::Email => user.email_address.as_deref()?.to_lowercase(),
                };
                Some((key, PodUser { id: user.id, active: active.contains(&user.id) }))
            });
            Ok::<_, CallError>(found.collect())
        })
        .buffer_unordered(LOOKUP_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(answers.into_iter().flatten().collect())
}

/// The pre-flight's findings: about the service user (no record), then per record in input order.
pub fn diagnose(facts: &PodFacts, records: &[PlannedNeeds]) -> Vec<Diagnostic> {
    let mut diagnostics = check_service_user(facts);
    for record in records {
        diagnostics.extend(check_record(&record.needs, facts, record.location.clone()));
    }
    diagnostics
}

/// What provisioning did and could not do.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Provisioned {
    /// Users reactivated (ids).
    pub users_activated: Vec<i64>,
    /// Users created for mentioned emails: (email, new id).
    pub users_created: Vec<(String, i64)>,
    /// Streams reactivated.
    pub streams_activated: Vec<String>,
    /// Memberships added: (stream, user).
    pub memberships_added: Vec<(String, i64)>,
    /// What cannot be provisioned, and why.
    pub impossible: Vec<String>,
}

/// Provisions what `diagnostics` (the pre-flight's) found missing, through the documented pod calls.
///
/// # Errors
/// The first call that fails (what was done before it stays done; a re-run finds it in place).
pub async fn provision(
    client: &PodClient,
    facts: &PodFacts,
    records: &[PlannedNeeds],
    diagnostics: &[Diagnostic],
) -> Result<Provisioned, CallError> {
    let mut done = Provisioned::default();
    let by_record: BTreeMap<usize, &PlannedNeeds> =
        records.iter().filter_map(|record| Some((record.location.record?, record))).collect();
    let mut users_to_activate = BTreeSet::new();
    let mut streams_to_activate = BTreeSet::new();
    let mut memberships = BTreeSet::new();
    let mut emails_to_create = BTreeSet::new();
    let mut impossible = BTreeSet::new();
    for diagnostic in diagnostics {
        let needs = diagnostic.location.record.and_then(|record| by_record.get(&record)).map(|record| &record.needs);
        let sender = needs.and_then(|needs| needs.sender);
        let stream = needs.and_then(|needs| needs.stream.clone());
        match diagnostic.rule {
            Rule::SenderInactive => users_to_activate.extend(sender),
            Rule::StreamInactive => streams_to_activate.extend(stream),
            Rule::SenderNotMember => {
                if let (Some(stream), Some(sender)) = (stream, sender) {
                    let is_room = facts.streams.get(&stream).is_some_and(|info| info.kind.eq_ignore_ascii_case("ROOM"));
                    if is_room {
                        memberships.insert((stream, sender));
                    } else {
                        impossible.insert(format!("stream {stream} is not a room: the members of an IM cannot change"));
                    }
                }
            }
            Rule::MentionedUserNotFound => {
                for mention in needs.map(|needs| needs.mentions.as_slice()).unwrap_or_default() {
                    match mention {
                        MentionedUser::Email(email) if !facts.users_by_email.contains_key(email) => {
                            emails_to_create.insert(email.clone());
                        }
                        MentionedUser::Id(id) if !facts.users.contains_key(id) => {
                            impossible.insert(format!("mentioned user {id} does not exist: a pod assigns user ids, so it cannot be created with this one"));
                        }
                        _ => {}
                    }
                }
            }
            Rule::SenderNotFound => {
                impossible.extend(sender.map(|id| {
                    format!("sender {id} does not exist: a pod assigns user ids, so map the sender to an existing user")
                }));
            }
            Rule::StreamNotFound => {
                impossible.extend(stream.map(|id| {
                    format!("stream {id} does not exist: a pod assigns stream ids, so create the room and map the records to it")
                }));
            }
            Rule::ServiceUserLacksContentManagement => {
                impossible.insert(
                    "the service user lacks the Content Management role: an administrator must grant it".into(),
                );
            }
            _ => {}
        }
    }
    for user in users_to_activate {
        client.set_user_active(user, true).await?;
        done.users_activated.push(user);
    }
    for email in emails_to_create {
        let id = client.create_user(&email).await?;
        done.users_created.push((email, id));
    }
    for stream in streams_to_activate {
        client.set_stream_active(&stream, true).await?;
        done.streams_activated.push(stream);
    }
    for (stream, user) in memberships {
        client.add_member(&stream, user).await?;
        done.memberships_added.push((stream, user));
    }
    done.impossible = impossible.into_iter().collect();
    Ok(done)
}
