//! A conversation's messages: `POST .../messages` (import), `GET .../messages` (read-back, paged),
//! `GET .../messages/{id}` and `GET .../messages/{id}/hostedContents/{temporaryId}/$value`.
//!
//! An import (`POST`) is answered, in this order (the import documentation's requirements, then the limits):
//! 1. 429 `TooManyRequests` with `Retry-After` when the conversation's bucket is empty ([`super::throttle`]);
//!    then, with `--faults`, perhaps an injected 429 or 503 (nothing stored), a delay, or a dropped connection
//!    (before storing, or after: the client's retry then meets a genuine 409).
//! 2. 400 when the conversation is not in migration mode; 403 "Request Initiator does not match the import
//!    session intiator." when another app started its migration.
//! 3. 400 when `from.user.id` is missing or not a user of the tenant.
//! 4. 400 when `createdDateTime` is missing, not a date-time, in the future, or not later than the
//!    conversation's `createdDateTime`. The documentation makes it optional (the post then takes the current
//!    time); the sandbox asks for it, since an import without it loses the original time.
//! 5. 409 `Conflict` when a message with the same `createdDateTime`, to the millisecond, is stored in the
//!    conversation ("adjust the value and retry").
//! 6. 413 `RequestEntityTooLarge` when `body.content` is over `ferry_core::teams::MAX_POST_BYTES` (Teams' ~28 KB
//!    per post); 400 when `body` is missing or its `contentType` is neither `html` nor `text`.
//! 7. 400 when a mention's `mentioned.user.id` is not a tenant user, or its `id` has no `<at id="N">` in the body.
//! 8. 400 when a hosted content lacks `@microsoft.graph.temporaryId`, its `contentBytes` are not base64, its
//!    `contentType` is not an image type Teams shows inline, or the body does not show it through
//!    `<img src="../hostedContents/{temporaryId}/$value">`; and when the body shows one that is not given.
//! 9. 400 when an attachment is neither a `reference` (a link to a file already in SharePoint or OneDrive, which
//!    import takes) nor a card, or when there are more than 250 reactions (the import documentation's scope).
//!
//! Then 201 with the stored `chatMessage`: `id` is the `createdDateTime` in milliseconds (as Teams' message ids
//! are), `createdDateTime` is written with three fraction digits, `from.user` gains `tenantId`, and the body is
//! kept as sent. Read-back lists a conversation's messages oldest first, `$top` (default 20, at most 50) at a
//! time, with `@odata.nextLink` (an absolute URL on the address the client called) while more remain.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::{Extension, Json};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ferry_core::teams::{created_date_time, Conversation, MAX_POST_BYTES};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::conversations::require_migration_owner;
use super::error::GraphError;
use super::store::{self, NewGraphMessage};
use super::time::parse_date_time;
use super::{base_url, resolve, with_store, Target};
use crate::faults::{ConnectionDrop, Fault};
use crate::Sandbox;

/// Largest request body Graph takes (about 4 MB), bounding hosted contents too.
const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// `$top` when not given, and its largest value.
const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 50;

/// Reactions an imported message may carry ("up to 250 reactions", the import documentation).
const MAX_REACTIONS: usize = 250;

/// The media types of inline images Teams shows.
const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/bmp"];

/// How a body names a hosted content: `../hostedContents/{temporaryId}/$value`.
const HOSTED_CONTENT_PREFIX: &str = "../hostedContents/";
const HOSTED_CONTENT_SUFFIX: &str = "/$value";

pub(crate) async fn post_message(
    State(sandbox): State<Arc<Sandbox>>,
    Target(conversation): Target,
    connection: Option<Extension<ConnectionDrop>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    let checked_headers = headers.clone();
    let path = with_store(&sandbox, {
        let conversation = conversation.clone();
        move |store, now| resolve(store, &checked_headers, now, &conversation).map(|_| conversation.path())
    })
    .await?;
    sandbox.graph_throttle.admit(&path, sandbox.config.clock.now_millis()).map_err(|retry_after_seconds| {
        let rate = ferry_core::teams::MESSAGES_PER_SECOND_PER_CONVERSATION;
        GraphError::throttled(
            retry_after_seconds,
            format!(
                "Too many requests: messages import at {rate} per second per conversation. Please retry after \
                 {retry_after_seconds} s."
            ),
        )
    })?;
    sandbox.counters.graph_message_posts.fetch_add(1, Ordering::Relaxed);
    let fault = sandbox.faults.as_ref().and_then(crate::faults::Faults::draw);
    if let Some(fault) = fault {
        sandbox.counters.faults_injected.fetch_add(1, Ordering::Relaxed);
        tracing::info!(?fault, "injecting fault into a Graph message import");
        match fault {
            Fault::ServerError => {
                return Err(GraphError::unavailable(
                    1,
                    "Simulated fault (sandbox --faults): the service is unavailable",
                ))
            }
            Fault::TooManyRequests { retry_after_seconds } => {
                return Err(GraphError::throttled(
                    retry_after_seconds,
                    "Simulated fault (sandbox --faults): please retry again later",
                ))
            }
            Fault::Latency(delay) => tokio::time::sleep(delay).await,
            Fault::DropBeforeApplying => return drop_connection(connection).await,
            Fault::DropAfterApplying => {}
        }
    }
    let bytes = crate::request::read_body(&headers, body, MAX_REQUEST_BYTES).await?;
    let base = base_url(&headers);
    let worker = Arc::clone(&sandbox);
    let message = with_store(&sandbox, move |store, now| {
        let message = import_message(store, &headers, now, &conversation, &bytes, &base)?;
        // Counted where stored: a client that goes away cancels this handler, not the import.
        worker.counters.graph_messages_imported.fetch_add(1, Ordering::Relaxed);
        Ok(message)
    })
    .await?;
    if fault == Some(Fault::DropAfterApplying) {
        return drop_connection(connection).await;
    }
    Ok((StatusCode::CREATED, Json(message)).into_response())
}

/// Closes the connection without answering; without one (the router called directly), answers 500 instead.
async fn drop_connection(connection: Option<Extension<ConnectionDrop>>) -> Result<Response, GraphError> {
    if let Some(Extension(connection)) = connection {
        match connection.close_now().await {}
    }
    Err(GraphError::internal("Simulated fault (sandbox --faults): connection dropped"))
}

/// The checks of the module's list, in its order, then the message stored; answers the stored `chatMessage`.
fn import_message(
    store: &mut crate::store::Store,
    headers: &HeaderMap,
    now: i64,
    conversation: &Conversation,
    bytes: &[u8],
    base: &str,
) -> Result<Value, GraphError> {
    let (app, stored, tenant_id) = resolve(store, headers, now, conversation)?;
    let path = conversation.path();
    let request: Value = serde_json::from_slice(bytes)
        .map_err(|error| GraphError::bad_request(format!("Unable to read JSON request payload: {error}")))?;
    let Value::Object(fields) = request else {
        return Err(GraphError::bad_request("The request body must be a JSON object (a chatMessage)"));
    };
    require_migration_owner(&stored, &app)?;

    let connection = store.connection();
    let from = fields.get("from").and_then(|from| from.get("user"));
    let from_id = from.and_then(|user| user.get("id")).and_then(Value::as_str).ok_or_else(|| {
        GraphError::bad_request("from.user.id is required: an imported message is attributed to a user of the tenant")
    })?;
    let directory_name = store::user_display_name(connection, from_id)?.ok_or_else(|| {
        GraphError::bad_request(format!(
            "from.user.id `{from_id}` is not a user of tenant {tenant_id}: imported messages must be from users of \
             the app's tenant"
        ))
    })?;
    let display_name = from.and_then(|user| user.get("displayName")).and_then(Value::as_str).unwrap_or(&directory_name);

    let created_text = fields.get("createdDateTime").and_then(Value::as_str).ok_or_else(|| {
        GraphError::bad_request("createdDateTime is required (a string): it is the imported message's original time")
    })?;
    let created = parse_date_time(created_text).map_err(|error| {
        GraphError::bad_request(format!("createdDateTime `{created_text}` is not a valid date-time: {error}"))
    })?;
    if created > now {
        return Err(GraphError::bad_request(format!(
            "createdDateTime {} is in the future",
            created_date_time(created)
        )));
    }
    if created <= stored.created_millis {
        return Err(GraphError::bad_request(format!(
            "createdDateTime {} must be later than the conversation's createdDateTime {}",
            created_date_time(created),
            created_date_time(stored.created_millis)
        )));
    }
    if store::message_exists(connection, &path, created)? {
        return Err(GraphError::conflict(format!(
            "A message with createdDateTime {} already exists in this conversation: createdDateTime must be unique \
             to the millisecond; adjust the value and retry.",
            created_date_time(created)
        )));
    }

    let (content_type, content) = body_of(&fields)?;
    check_mentions(connection, &fields, content)?;
    let hosted_contents = hosted_contents_of(&fields, content)?;
    check_attachments_and_reactions(&fields)?;

    let (channel_identity, chat_id) = match conversation {
        Conversation::Channel { team_id, channel_id } => {
            (json!({"teamId": team_id, "channelId": channel_id}), Value::Null)
        }
        Conversation::Chat { chat_id } => (Value::Null, Value::String(chat_id.clone())),
    };
    let field_or = |name: &str, default: Value| fields.get(name).cloned().unwrap_or(default);
    let when = created_date_time(created);
    let message = json!({
        "id": created.to_string(),
        "replyToId": null,
        "etag": created.to_string(),
        "messageType": "message",
        "createdDateTime": when,
        "lastModifiedDateTime": when,
        "lastEditedDateTime": null,
        "deletedDateTime": null,
        "subject": field_or("subject", Value::Null),
        "summary": null,
        "chatId": chat_id,
        "importance": field_or("importance", Value::from("normal")),
        "locale": "en-us",
        "webUrl": null,
        "channelIdentity": channel_identity,
        "policyViolation": null,
        "from": {"application": null, "device": null, "user": {
            "@odata.type": "#microsoft.graph.teamworkUserIdentity",
            "id": from_id,
            "displayName": display_name,
            "userIdentityType": "aadUser",
            "tenantId": tenant_id,
        }},
        "body": {"contentType": content_type, "content": content},
        "attachments": field_or("attachments", json!([])),
        "mentions": field_or("mentions", json!([])),
        "reactions": field_or("reactions", json!([])),
        "messageHistory": [],
    });
    store::insert_message(
        store.connection_mut(),
        &NewGraphMessage {
            conversation: &path,
            created_millis: created,
            message: &message.to_string(),
            hosted_contents: &hosted_contents,
            imported_by: &app,
            imported_at: now,
        },
    )?;
    tracing::info!(conversation = path, created = when, app, "Graph message imported");
    let mut answer = message;
    if let Some(object) = answer.as_object_mut() {
        object.insert(
            "@odata.context".to_owned(),
            format!("{base}/$metadata#{}/messages/$entity", context_of(conversation)).into(),
        );
    }
    Ok(answer)
}

/// `body.contentType` (lower case) and `body.content`.
fn body_of(fields: &Map<String, Value>) -> Result<(String, &str), GraphError> {
    let body = fields.get("body").ok_or_else(|| {
        GraphError::bad_request("body is required: {\"contentType\": \"html\", \"content\": \"...\"}")
    })?;
    let content = body
        .get("content")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request("body.content is required (a string)"))?;
    if content.len() > MAX_POST_BYTES {
        return Err(GraphError::too_large(format!(
            "Request Entity too large: body.content is {} bytes; Teams takes about {MAX_POST_BYTES} bytes per post",
            content.len()
        )));
    }
    let content_type = match body.get("contentType") {
        None | Some(Value::Null) => "text".to_owned(),
        Some(Value::String(kind)) if kind.eq_ignore_ascii_case("html") || kind.eq_ignore_ascii_case("text") => {
            kind.to_ascii_lowercase()
        }
        Some(other) => {
            return Err(GraphError::bad_request(format!("body.contentType must be `html` or `text`, not {other}")))
        }
    };
    Ok((content_type, content))
}

/// Every mention names a tenant user and has its `<at id="N">` in the body.
fn check_mentions(
    connection: &rusqlite::Connection,
    fields: &Map<String, Value>,
    content: &str,
) -> Result<(), GraphError> {
    let mentions = match fields.get("mentions") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(mentions)) => mentions,
        Some(_) => return Err(GraphError::bad_request("mentions must be an array")),
    };
    // Each set is built once, so a request of many mentions costs one pass over the body and one look-up per user.
    let tagged = tagged_mentions(content);
    let mut known_users = BTreeSet::new();
    for (index, mention) in mentions.iter().enumerate() {
        let id = mention
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| GraphError::bad_request(format!("mentions[{index}].id is required (a number)")))?;
        let user_id = mention
            .get("mentioned")
            .and_then(|mentioned| mentioned.get("user"))
            .and_then(|user| user.get("id"))
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::bad_request(format!("mentions[{index}].mentioned.user.id is required")))?;
        if !known_users.contains(user_id) {
            if store::user_display_name(connection, user_id)?.is_none() {
                return Err(GraphError::bad_request(format!(
                    "mentions[{index}] mentions `{user_id}`, who is not a user of the tenant"
                )));
            }
            known_users.insert(user_id);
        }
        if !tagged.contains(&id) {
            return Err(GraphError::bad_request(format!(
                "mentions[{index}] has id {id}, but the body has no <at id=\"{id}\">"
            )));
        }
    }
    Ok(())
}

/// Attachments are references to files or cards, and reactions are at most [`MAX_REACTIONS`].
fn check_attachments_and_reactions(fields: &Map<String, Value>) -> Result<(), GraphError> {
    let list = |name: &str| match fields.get(name) {
        None | Some(Value::Null) => Ok(&[][..]),
        Some(Value::Array(items)) => Ok(items.as_slice()),
        Some(_) => Err(GraphError::bad_request(format!("{name} must be an array"))),
    };
    for (index, attachment) in list("attachments")?.iter().enumerate() {
        let content_type = attachment.get("contentType").and_then(Value::as_str).unwrap_or_default();
        if content_type != "reference" && !content_type.starts_with("application/vnd.microsoft.card.") {
            return Err(GraphError::bad_request(format!(
                "attachments[{index}] has contentType `{content_type}`: import takes files only as `reference` \
                 links to SharePoint or OneDrive, and media only as inline images (hostedContents)"
            )));
        }
    }
    let reactions = list("reactions")?.len();
    if reactions > MAX_REACTIONS {
        return Err(GraphError::bad_request(format!(
            "{reactions} reactions: import takes at most {MAX_REACTIONS} per message"
        )));
    }
    Ok(())
}

/// The ids of the body's `<at id="N">` (or `<at id='N'>`) tags.
fn tagged_mentions(content: &str) -> BTreeSet<u64> {
    content
        .split("<at id=")
        .skip(1)
        .filter_map(|rest| {
            let quote = rest.chars().next().filter(|quote| *quote == '"' || *quote == '\'')?;
            let (digits, _) = rest[1..].split_once(quote)?;
            digits.parse().ok()
        })
        .collect()
}

/// The hosted contents, decoded (temporary id, media type, bytes), each shown by the body, and every one the
/// body shows given.
fn hosted_contents_of(
    fields: &Map<String, Value>,
    content: &str,
) -> Result<Vec<(String, String, Vec<u8>)>, GraphError> {
    let given = match fields.get("hostedContents") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(GraphError::bad_request("hostedContents must be an array")),
    };
    let mut decoded = Vec::with_capacity(given.len());
    let mut temporary_ids = BTreeSet::new();
    for (index, item) in given.iter().enumerate() {
        let field = |name: &str| item.get(name).and_then(Value::as_str).filter(|text| !text.is_empty());
        let temporary_id = field("@microsoft.graph.temporaryId").ok_or_else(|| {
            GraphError::bad_request(format!("hostedContents[{index}] needs @microsoft.graph.temporaryId"))
        })?;
        let content_type = field("contentType").unwrap_or_default();
        if !IMAGE_TYPES.contains(&content_type) {
            return Err(GraphError::bad_request(format!(
                "hostedContents[{index}].contentType `{content_type}` is not one of {}: inline images are the only media import takes",
                IMAGE_TYPES.join(", ")
            )));
        }
        let bytes = field("contentBytes")
            .and_then(|text| STANDARD.decode(text).ok())
            .filter(|bytes| !bytes.is_empty())
            .ok_or_else(|| {
                GraphError::bad_request(format!("hostedContents[{index}].contentBytes must be non-empty base64"))
            })?;
        if !temporary_ids.insert(temporary_id) {
            return Err(GraphError::bad_request(format!(
                "hostedContents[{index}] repeats temporaryId `{temporary_id}`"
            )));
        }
        decoded.push((temporary_id.to_owned(), content_type.to_owned(), bytes));
    }
    let shown = shown_hosted_contents(content);
    for (temporary_id, _, _) in &decoded {
        if !shown.contains(temporary_id.as_str()) {
            return Err(GraphError::bad_request(format!(
                "hostedContents `{temporary_id}` is not shown in the body: \
                 <img src=\"{HOSTED_CONTENT_PREFIX}{temporary_id}{HOSTED_CONTENT_SUFFIX}\">"
            )));
        }
    }
    if let Some(missing) = shown.difference(&temporary_ids).next() {
        return Err(GraphError::bad_request(format!(
            "The body shows hosted content `{missing}`, which hostedContents does not give"
        )));
    }
    Ok(decoded)
}

/// The temporary ids the body names in `../hostedContents/{id}/$value`.
fn shown_hosted_contents(content: &str) -> BTreeSet<&str> {
    content
        .split(HOSTED_CONTENT_PREFIX)
        .skip(1)
        .filter_map(|rest| rest.split_once(HOSTED_CONTENT_SUFFIX).map(|(id, _)| id))
        .filter(|id| !id.is_empty() && !id.contains(['/', '"', '\'', '<', '>']))
        .collect()
}

/// The OData context of a conversation: `teams('T')/channels('C')` or `chats('C')`.
fn context_of(conversation: &Conversation) -> String {
    match conversation {
        Conversation::Channel { team_id, channel_id } => format!("teams('{team_id}')/channels('{channel_id}')"),
        Conversation::Chat { chat_id } => format!("chats('{chat_id}')"),
    }
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(rename = "$top")]
    top: Option<String>,
    #[serde(rename = "$skiptoken")]
    skip_token: Option<String>,
}

pub(crate) async fn list_messages(
    State(sandbox): State<Arc<Sandbox>>,
    Target(conversation): Target,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    let Query(query) =
        query.map_err(|rejection| GraphError::bad_request(format!("Invalid query: {}", rejection.body_text())))?;
    let top = match &query.top {
        None => DEFAULT_PAGE,
        Some(text) => text.parse::<usize>().ok().filter(|top| (1..=MAX_PAGE).contains(top)).ok_or_else(|| {
            GraphError::bad_request(format!(
                "Invalid page size specified: $top must be from 1 to {MAX_PAGE}, not `{text}`"
            ))
        })?,
    };
    let after = match &query.skip_token {
        None => None,
        Some(token) => Some(
            URL_SAFE_NO_PAD
                .decode(token)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|text| text.parse::<i64>().ok())
                .ok_or_else(|| GraphError::bad_request("Invalid $skiptoken: use the @odata.nextLink as given"))?,
        ),
    };
    let base = base_url(&headers);
    with_store(&sandbox, move |store, now| {
        resolve(store, &headers, now, &conversation)?;
        let path = conversation.path();
        let mut page = store::list_messages(store.connection(), &path, after, top + 1)?;
        let more = page.len() > top;
        page.truncate(top);
        let mut value = Vec::with_capacity(page.len());
        for (_, text) in &page {
            value.push(
                serde_json::from_str::<Value>(text)
                    .map_err(|error| GraphError::internal(format!("stored message unreadable: {error}")))?,
            );
        }
        let mut answer = json!({
            "@odata.context": format!("{base}/$metadata#{}/messages", context_of(&conversation)),
            "@odata.count": value.len(),
            "value": value,
        });
        if let (true, Some((last, _)), Some(object)) = (more, page.last(), answer.as_object_mut()) {
            let token = URL_SAFE_NO_PAD.encode(last.to_string());
            object.insert(
                "@odata.nextLink".to_owned(),
                format!("{base}{path}/messages?$top={top}&$skiptoken={token}").into(),
            );
        }
        Ok(Json(answer))
    })
    .await
}

/// The `{message_id}` and `{hosted_content_id}` of a message's paths.
#[derive(Deserialize)]
pub(crate) struct MessagePath {
    message_id: String,
    hosted_content_id: Option<String>,
}

fn message_millis(message_id: &str) -> Result<i64, GraphError> {
    message_id.parse::<i64>().map_err(|_| GraphError::not_found(format!("Message {message_id} not found")))
}

pub(crate) async fn get_message(
    State(sandbox): State<Arc<Sandbox>>,
    Target(conversation): Target,
    Path(ids): Path<MessagePath>,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    with_store(&sandbox, move |store, now| {
        resolve(store, &headers, now, &conversation)?;
        let text = store::message(store.connection(), &conversation.path(), message_millis(&ids.message_id)?)?
            .ok_or_else(|| GraphError::not_found(format!("Message {} not found", ids.message_id)))?;
        let message = serde_json::from_str(&text)
            .map_err(|error| GraphError::internal(format!("stored message unreadable: {error}")))?;
        Ok(Json(message))
    })
    .await
}

pub(crate) async fn get_hosted_content(
    State(sandbox): State<Arc<Sandbox>>,
    Target(conversation): Target,
    Path(ids): Path<MessagePath>,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    with_store(&sandbox, move |store, now| {
        resolve(store, &headers, now, &conversation)?;
        let hosted_content_id = ids.hosted_content_id.unwrap_or_default();
        let (content_type, bytes) = store::hosted_content(
            store.connection(),
            &conversation.path(),
            message_millis(&ids.message_id)?,
            &hosted_content_id,
        )?
        .ok_or_else(|| {
            GraphError::not_found(format!("Hosted content {hosted_content_id} of message {} not found", ids.message_id))
        })?;
        Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
    })
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn mention_tags_in_a_body_are_found() {
        let table: [(&str, &[u64]); 5] = [
            ("<p>none</p>", &[]),
            (r#"<at id="0">A</at> and <at id='12'>B</at>"#, &[0, 12]),
            (r#"<at id="x">A</at><at id=3>B</at>"#, &[]),
            (r#"<at id=""#, &[]),
            ("<at id=\"1\u{e9}\">", &[]),
        ];
        for (content, expected) in table {
            assert_eq!(tagged_mentions(content).into_iter().collect::<Vec<_>>(), expected, "{content}");
        }
    }

    proptest::proptest! {
        /// Whatever a body holds, finding its tags never panics and finds only what it holds.
        #[test]
        fn finding_tags_never_panics(content in "(<at id=|\"|'|[0-9]|\\.\\./hostedContents/|/\\$value|[a-zé])*") {
            for id in tagged_mentions(&content) {
                proptest::prop_assert!(content.contains(&id.to_string()));
            }
            for id in shown_hosted_contents(&content) {
                let reference = format!("{HOSTED_CONTENT_PREFIX}{id}{HOSTED_CONTENT_SUFFIX}");
                proptest::prop_assert!(content.contains(&reference));
            }
        }

        /// Any text is read as a date-time or refused, never a panic.
        #[test]
        fn any_date_time_text_is_read_or_refused(text in "\\PC{0,40}") {
            let _ = super::super::time::parse_date_time(&text);
        }
    }

    #[test]
    fn hosted_contents_shown_in_a_body_are_found() {
        let table: [(&str, &[&str]); 5] = [
            ("<p>no image</p>", &[]),
            (r#"<img src="../hostedContents/1/$value">"#, &["1"]),
            (r#"<img src="../hostedContents/1/$value"><img src='../hostedContents/b/$value'>"#, &["1", "b"]),
            (r#"<img src="../hostedContents//$value">"#, &[]),
            (r#"../hostedContents/"><b>x</b>/$value"#, &[]),
        ];
        for (content, expected) in table {
            assert_eq!(shown_hosted_contents(content).into_iter().collect::<Vec<_>>(), expected, "{content}");
        }
    }
}
