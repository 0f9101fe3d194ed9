//! One checked Symphony record into one Microsoft Graph import request: the `chatMessage` a
//! `POST /teams/{team}/channels/{channel}/messages` or `POST /chats/{chat}/messages` carries in migration mode.
//!
//! The body follows Graph's import examples (spec `apis-and-peers.md` §3): `createdDateTime` (milliseconds,
//! UTC), `from.user` (`id`, `displayName`, `userIdentityType: aadUser`), `body` (`contentType: html`, the
//! MessageML rendered by [`ferry_core::teams::render_post`]), `mentions` (one per `<at id>` of the body) and
//! `hostedContents` (the inline images, each named by the `@microsoft.graph.temporaryId` its `<img>` uses).
//!
//! Invariants: pure; the same record and directory always give the same request; a record whose stream or
//! sender is not in the directory gives [`RecordError::Unmapped`] (naming the mentioned users missing too),
//! never a request that would attribute a message to nobody. A mentioned user missing from the directory alone
//! does not stop the record: the renderer writes the mention as plain text and reports the loss, as the core's
//! `TEAMS006` warns; the request lists such users in [`GraphRequest::unmapped_mentions`].

use ferry_core::teams::{self, AttachmentSource, Directory, EntraUser, Loss};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// What Graph's `userIdentityType` says of every user of a tenant.
const AAD_USER: &str = "aadUser";

/// One Graph import request, ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphRequest {
    /// The conversation's Graph path, `/teams/{teamId}/channels/{channelId}` or `/chats/{chatId}` (segments
    /// percent-encoded); the request goes to this path followed by `/messages`.
    pub conversation: String,
    /// The message's `createdDateTime` in milliseconds since the Unix epoch: with [`conversation`](Self::conversation),
    /// the identity Teams keys an imported message by.
    pub created_millis: i64,
    /// The record's `originalMessageId`, empty when it has none (Teams keeps no such id; it is carried for the
    /// journal and the reports).
    pub original_message_id: String,
    /// The `chatMessage` to post.
    pub body: Value,
    /// What the conversion could not carry over, and what became of it.
    pub losses: Vec<Loss>,
    /// Symphony users mentioned in the message but not in the directory, in order of first mention, each once:
    /// their mentions are plain text in the body (and a loss each).
    pub unmapped_mentions: Vec<i64>,
}

impl GraphRequest {
    /// The path the message is posted to: the conversation's path followed by `/messages`.
    #[must_use]
    pub fn messages_path(&self) -> String {
        format!("{}/messages", self.conversation)
    }

    /// Moves the message to `created_millis`, in the body too (how a collision at one millisecond is resolved).
    pub fn set_created_millis(&mut self, created_millis: i64) {
        self.created_millis = created_millis;
        if let Value::Object(body) = &mut self.body {
            body.insert("createdDateTime".to_owned(), Value::String(teams::created_date_time(created_millis)));
        }
    }

    /// The request as one line of `ferry convert --to teams`'s NDJSON: `conversation`, `method`, `path`,
    /// `originalMessageId`, `createdDateTime` and `body` (documented in `docs/teams.md`).
    #[must_use]
    pub fn to_ndjson_value(&self) -> Value {
        json!({
            "conversation": self.conversation,
            "method": "POST",
            "path": self.messages_path(),
            "originalMessageId": self.original_message_id,
            "createdDateTime": teams::created_date_time(self.created_millis),
            "body": self.body,
        })
    }
}

/// Why a record gives no request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The text is not a `V4ImportedMessage` with the fields a request needs (a checked record always is).
    #[error("not an import record: {0}")]
    NotARecord(String),
    /// The maps lack the record's stream or sender (the mentioned users they lack are named too).
    #[error("{}", describe_unmapped(stream_id.as_deref(), *sender, mentioned))]
    Unmapped {
        /// The record's `streamId`, when `streams.csv` does not map it.
        stream_id: Option<String>,
        /// The sender, when `users.csv` does not map it.
        sender: Option<i64>,
        /// Mentioned users `users.csv` does not map, in order of first mention, each once.
        mentioned: Vec<i64>,
    },
}

fn describe_unmapped(stream_id: Option<&str>, sender: Option<i64>, mentioned: &[i64]) -> String {
    let mut parts = Vec::new();
    if let Some(stream_id) = stream_id {
        parts.push(format!("stream {stream_id} is not in streams.csv"));
    }
    if let Some(sender) = sender {
        parts.push(format!("sender {sender} is not in users.csv"));
    }
    if !mentioned.is_empty() {
        let ids: Vec<String> = mentioned.iter().map(i64::to_string).collect();
        parts.push(format!("mentioned user(s) {} not in users.csv", ids.join(", ")));
    }
    parts.join("; ")
}

/// The fields of a `V4ImportedMessage` a request is built from.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportedMessage {
    message: String,
    #[serde(default)]
    data: Option<String>,
    intended_message_timestamp: i64,
    intended_message_from_user_id: i64,
    #[serde(default)]
    original_message_id: Option<String>,
    stream_id: String,
    #[serde(default)]
    attachments: Vec<ImportedAttachment>,
}

/// An attachment of a record.
#[derive(Deserialize)]
struct ImportedAttachment {
    filename: String,
    content: String,
}

/// Builds the Graph import request of one record (its JSON text, as checked by ferry-core).
///
/// # Errors
/// [`RecordError::NotARecord`] when the text lacks a field a request needs or has one of the wrong type;
/// [`RecordError::Unmapped`] when the directory lacks the stream or the sender (with the mentioned users it
/// lacks, so that one run names everything the maps need).
pub fn request_for_record(record_json: &str, directory: &Directory) -> Result<GraphRequest, RecordError> {
    let record: ImportedMessage =
        serde_json::from_str(record_json).map_err(|error| RecordError::NotARecord(error.to_string()))?;
    let conversation = directory.conversation(&record.stream_id);
    let sender = directory.users.get(&record.intended_message_from_user_id);
    let attachments: Vec<AttachmentSource<'_>> = record
        .attachments
        .iter()
        .map(|attachment| AttachmentSource { filename: &attachment.filename, content_base64: &attachment.content })
        .collect();
    let post = teams::render_post(&record.message, record.data.as_deref(), &attachments, &directory.users);
    let mut mentioned: Vec<i64> = Vec::new();
    for mention in post.mentions.iter().filter(|mention| mention.user.is_none()) {
        if !mentioned.contains(&mention.symphony_user_id) {
            mentioned.push(mention.symphony_user_id);
        }
    }
    let (Some(conversation), Some(sender)) = (conversation, sender) else {
        return Err(RecordError::Unmapped {
            stream_id: conversation.is_none().then(|| record.stream_id.clone()),
            sender: sender.is_none().then_some(record.intended_message_from_user_id),
            mentioned,
        });
    };

    let mut body = Map::new();
    body.insert(
        "createdDateTime".to_owned(),
        Value::String(teams::created_date_time(record.intended_message_timestamp)),
    );
    body.insert("from".to_owned(), json!({ "user": user_identity(sender) }));
    body.insert("body".to_owned(), json!({ "contentType": "html", "content": post.html }));
    let mentions: Vec<Value> = post
        .mentions
        .iter()
        .filter_map(|mention| {
            let user = mention.user.as_ref()?;
            Some(json!({ "id": mention.id, "mentionText": mention.text, "mentioned": { "user": user_identity(user) } }))
        })
        .collect();
    if !mentions.is_empty() {
        body.insert("mentions".to_owned(), Value::Array(mentions));
    }
    let hosted_contents: Vec<Value> = post
        .inline_images
        .iter()
        .filter_map(|image| {
            let attachment = attachments.get(image.attachment_index)?;
            Some(json!({
                "@microsoft.graph.temporaryId": image.temporary_id,
                "contentBytes": attachment.content_base64,
                "contentType": image.content_type,
            }))
        })
        .collect();
    if !hosted_contents.is_empty() {
        body.insert("hostedContents".to_owned(), Value::Array(hosted_contents));
    }
    Ok(GraphRequest {
        conversation: conversation.path(),
        created_millis: record.intended_message_timestamp,
        original_message_id: record.original_message_id.unwrap_or_default(),
        body: Value::Object(body),
        losses: post.losses,
        unmapped_mentions: mentioned,
    })
}

/// A user as Graph names one in `from` and `mentions`.
fn user_identity(user: &EntraUser) -> Value {
    json!({ "id": user.id, "displayName": user.display_name, "userIdentityType": AAD_USER })
}

/// The body of `POST {conversation}/startMigration`: `{"conversationCreationDateTime": …}` when the
/// conversation's creation is to be moved back to `conversation_creation_millis` (Graph only moves it to the
/// past), else `{}` (the conversation keeps its creation time).
#[must_use]
pub fn start_migration_body(conversation_creation_millis: Option<i64>) -> Value {
    match conversation_creation_millis {
        Some(millis) => json!({ "conversationCreationDateTime": teams::created_date_time(millis) }),
        None => json!({}),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use ferry_core::teams::Conversation;

    use super::*;

    const ALICE: &str = "5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60";

    fn directory() -> Directory {
        let mut directory = Directory::default();
        directory.users.insert(7, EntraUser { id: ALICE.into(), display_name: "Alice Martin".into() });
        directory.streams.insert("s-1".into(), Conversation::Chat { chat_id: "19:x@thread.v2".into() });
        directory
    }

    fn record(stream_id: &str, sender: i64, message: &str) -> String {
        json!({
            "message": message, "intendedMessageTimestamp": 1_549_310_295_511_i64,
            "intendedMessageFromUserId": sender, "originatingSystemId": "legacychat",
            "originalMessageId": "m-1", "streamId": stream_id,
        })
        .to_string()
    }

    #[test]
    fn a_mapped_record_becomes_a_chat_message() {
        // `s+1` is `s-1` in the other base64 alphabet: the directory finds it either way.
        for stream_id in ["s-1", "s+1"] {
            let request = request_for_record(&record(stream_id, 7, "<messageML>Hi</messageML>"), &directory()).unwrap();
            assert_eq!(request.conversation, "/chats/19%3Ax%40thread.v2");
            assert_eq!(request.messages_path(), "/chats/19%3Ax%40thread.v2/messages");
            assert_eq!(request.created_millis, 1_549_310_295_511);
            assert_eq!(request.original_message_id, "m-1");
            assert_eq!(request.body["createdDateTime"], "2019-02-04T19:58:15.511Z");
            assert_eq!(
                request.body["from"],
                json!({"user": {"id": ALICE, "displayName": "Alice Martin", "userIdentityType": "aadUser"}})
            );
            assert_eq!(request.body["body"]["contentType"], "html");
            assert!(request.body["body"]["content"].as_str().unwrap().contains("Hi"));
            let line = request.to_ndjson_value();
            assert_eq!(line["method"], "POST");
            assert_eq!(line["path"], "/chats/19%3Ax%40thread.v2/messages");
            assert_eq!(line["createdDateTime"], "2019-02-04T19:58:15.511Z");
        }
    }

    #[test]
    fn what_the_maps_lack_is_named() {
        let cases: &[(&str, &str, i64, &str)] = &[
            ("unmapped stream", "s-2", 7, "stream s-2 is not in streams.csv"),
            ("unmapped sender", "s-1", 8, "sender 8 is not in users.csv"),
            ("both", "s-2", 8, "stream s-2 is not in streams.csv; sender 8 is not in users.csv"),
        ];
        for (name, stream_id, sender, expected) in cases {
            let error = request_for_record(&record(stream_id, *sender, "<messageML>x</messageML>"), &directory());
            assert_eq!(error.unwrap_err().to_string(), *expected, "{name}");
        }
        // A mentioned user alone missing: the mention is plain text, the request is made and says so.
        let mention = record("s-1", 7, "<messageML>Hi <mention uid=\"9\"/></messageML>");
        let request = request_for_record(&mention, &directory()).unwrap();
        assert_eq!(request.unmapped_mentions, [9]);
        assert!(request.body.get("mentions").is_none(), "{}", request.body);
        assert!(!request.losses.is_empty());
        let both = request_for_record(&record("s-1", 8, "<messageML><mention uid=\"9\"/></messageML>"), &directory());
        assert_eq!(both.unwrap_err().to_string(), "sender 8 is not in users.csv; mentioned user(s) 9 not in users.csv");
        let not_a_record = request_for_record(r#"{"message": "x"}"#, &directory()).unwrap_err();
        assert!(matches!(not_a_record, RecordError::NotARecord(_)), "{not_a_record}");
        assert_eq!(
            RecordError::Unmapped { stream_id: None, sender: None, mentioned: vec![3, 4] }.to_string(),
            "mentioned user(s) 3, 4 not in users.csv"
        );
    }

    #[test]
    fn start_migration_moves_the_creation_only_when_asked() {
        assert_eq!(start_migration_body(None), json!({}));
        assert_eq!(
            start_migration_body(Some(1_420_070_400_000)),
            json!({"conversationCreationDateTime": "2015-01-01T00:00:00.000Z"})
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever the message and the record's text, building a request never panics, and a request made is
        /// a chatMessage with its time, sender and HTML body.
        #[test]
        fn any_record_gives_a_request_or_an_error(
            message in "\\PC{0,120}",
            sender in proptest::prop_oneof![proptest::strategy::Just(7_i64), -3_i64..12],
            garbage in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
        ) {
            let text = record("s-1", sender, &format!("<messageML>{message}</messageML>"));
            if let Ok(request) = request_for_record(&text, &directory()) {
                proptest::prop_assert_eq!(sender, 7);
                proptest::prop_assert_eq!(&request.body["createdDateTime"], "2019-02-04T19:58:15.511Z");
                proptest::prop_assert_eq!(&request.body["body"]["contentType"], "html");
            }
            let _ = request_for_record(&String::from_utf8_lossy(&garbage), &directory());
        }
    }
}
