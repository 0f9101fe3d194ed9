//! The Agent's paths: `POST /agent/v4/message/import` and `GET /agent/v4/stream/{sid}/message`.
//!
//! Read-back answers `V4Message` objects oldest first (ties in import order), 204 when none match, as the
//! Agent API documents. The caller may read a stream it is a member of, or any stream when it holds the
//! Content Management role (the import service user is often not a member of the IMs it imported into).
//! Attachments are downloaded with `GET /agent/v1/stream/{sid}/attachment?messageId&fileId`, answered as the
//! Agent does: the content base64-encoded, `application/octet-stream`; `fileId` is the `id` read-back gives.
//! `message` is given as PresentationML the simple way: the `<messageML>` root becomes
//! `<div data-format="PresentationML" data-version="2.0">`; the content inside is returned as imported.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::{Extension, Json};
use base64::Engine as _;
use serde::Deserialize;

use crate::error::AppError;
use crate::faults::{ConnectionDrop, Fault};
use crate::ids::normalize_stream_id;
use crate::import::import_batch;
use crate::request::{agent_user, read_body, require_role, session_user, without_nulls};
use crate::store::roles::CONTENT_MANAGEMENT;
use crate::{now_millis, Sandbox};

/// Default and largest `limit` of a read-back, as the Agent API documents.
const DEFAULT_LIST_LIMIT: i64 = 50;
const MAX_LIST_LIMIT: i64 = 500;

pub(crate) async fn import_messages(
    State(sandbox): State<Arc<Sandbox>>,
    connection: Option<Extension<ConnectionDrop>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let caller = agent_user(&sandbox, &headers)?;
    require_role(&caller, CONTENT_MANAGEMENT, "Importing messages")?;
    let max_body_bytes = sandbox.config.max_body_bytes;
    let bytes = read_body(&headers, body, max_body_bytes).await?;
    sandbox.counters.import_requests.fetch_add(1, Ordering::Relaxed);
    let fault = sandbox.faults.as_ref().and_then(crate::faults::Faults::draw);
    if let Some(fault) = fault {
        sandbox.counters.faults_injected.fetch_add(1, Ordering::Relaxed);
        tracing::info!(?fault, "injecting fault");
        match fault {
            Fault::ServerError => {
                return Err(AppError::internal("Simulated fault (sandbox --faults): internal server error"))
            }
            Fault::TooManyRequests { retry_after_seconds } => {
                let mut error = AppError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Simulated fault (sandbox --faults): too many requests, retry after {retry_after_seconds} s"),
                );
                error.retry_after_seconds = Some(retry_after_seconds);
                return Err(error);
            }
            Fault::Latency(delay) => tokio::time::sleep(delay).await,
            Fault::DropBeforeApplying => return drop_connection(connection).await,
            Fault::DropAfterApplying => {}
        }
    }
    let max_messages = sandbox.config.max_messages_per_request;
    let worker = Arc::clone(&sandbox);
    // Counted where the messages are stored: a client that goes away cancels this handler at the `await`, but
    // not the import.
    let outcome = tokio::task::spawn_blocking(move || {
        let outcome = import_batch(&worker.store, caller.id, &bytes, now_millis(), max_messages);
        if let Ok(outcome) = &outcome {
            worker.counters.messages_imported.fetch_add(u64::try_from(outcome.stored).unwrap_or(u64::MAX), Ordering::Relaxed);
        }
        outcome
    })
    .await
    .map_err(|error| AppError::internal(format!("Import failed: {error}")))??;
    tracing::info!(
        user = caller.username,
        messages = outcome.responses.len(),
        imported = outcome.stored,
        "import request"
    );
    if fault == Some(Fault::DropAfterApplying) {
        return drop_connection(connection).await;
    }
    Ok(Json(outcome.responses).into_response())
}

/// Closes the connection without answering. Without a connection (the router called directly) the drop is
/// reported as a 500 instead.
async fn drop_connection(connection: Option<Extension<ConnectionDrop>>) -> Result<Response, AppError> {
    match connection {
        Some(Extension(connection)) => {
            connection.trigger();
            // The connection's task drops this future together with the connection.
            std::future::pending::<()>().await;
            Err(AppError::internal("Simulated fault (sandbox --faults): connection dropped"))
        }
        None => Err(AppError::internal("Simulated fault (sandbox --faults): connection dropped")),
    }
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    since: Option<i64>,
    until: Option<i64>,
    skip: Option<i64>,
    limit: Option<i64>,
}

pub(crate) async fn list_messages(
    State(sandbox): State<Arc<Sandbox>>,
    Path(stream_id): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let caller = reader(&sandbox, &headers)?;
    let query = crate::request::query(query)?;
    let since = query.since.ok_or_else(|| AppError::bad_request("Missing required query parameter `since`"))?;
    let skip = query.skip.unwrap_or(0);
    let limit = query.limit.unwrap_or(DEFAULT_LIST_LIMIT);
    if skip < 0 {
        return Err(AppError::bad_request("`skip` must not be negative"));
    }
    if !(0..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(AppError::bad_request(format!("`limit` must be between 0 and {MAX_LIST_LIMIT}")));
    }
    let stream_id = normalize_stream_id(&stream_id);
    let sandbox_for_read = Arc::clone(&sandbox);
    let messages = tokio::task::spawn_blocking(move || -> Result<Vec<serde_json::Value>, AppError> {
        let store = sandbox_for_read.lock_store()?;
        let directory = store.directory();
        let stream = readable_stream(directory, &caller, &stream_id)?;
        let stored = store.list_messages(
            &stream_id,
            since,
            query.until,
            usize::try_from(skip).unwrap_or(0),
            usize::try_from(limit).unwrap_or(0),
        )?;
        Ok(stored
            .into_iter()
            .map(|message| {
                let user = directory.user(message.user_id);
                let attachments: Vec<serde_json::Value> = message
                    .attachments
                    .iter()
                    .enumerate()
                    .map(|(position, (name, size))| {
                        serde_json::json!({
                            "id": attachment_id(&message.message_id, position),
                            "name": name,
                            "size": size,
                            "images": [],
                        })
                    })
                    .collect();
                let mut value = serde_json::json!({
                    "messageId": message.message_id,
                    "timestamp": message.timestamp,
                    "message": presentation_ml(&message.message),
                    "attachments": attachments,
                    "user": {
                        "userId": message.user_id,
                        "username": user.map(|user| user.username.clone()),
                        "displayName": user.map(|user| user.display_name.clone()),
                        "email": user.and_then(|user| user.email.clone()),
                    },
                    "stream": {"streamId": message.stream_id, "streamType": stream.kind.as_str()},
                    "originalFormat": "com.symphony.messageml.v2",
                });
                if let (Some(data), Some(object)) = (message.data, value.as_object_mut()) {
                    object.insert("data".to_owned(), serde_json::Value::String(data));
                }
                without_nulls(value)
            })
            .collect())
    })
    .await
    .map_err(|error| AppError::internal(format!("Read failed: {error}")))??;
    if messages.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Json(messages).into_response())
}

/// The caller of a read: `sessionToken` required; `keyManagerToken`, when given, of the same user.
fn reader(sandbox: &Sandbox, headers: &HeaderMap) -> Result<crate::store::User, AppError> {
    if headers.contains_key("keymanagertoken") {
        agent_user(sandbox, headers)
    } else {
        session_user(sandbox, headers)
    }
}

/// The stream, if it exists and the caller may read it (a member, or a holder of Content Management).
fn readable_stream<'directory>(
    directory: &'directory crate::store::Directory,
    caller: &crate::store::User,
    stream_id: &str,
) -> Result<&'directory crate::store::Stream, AppError> {
    let stream = directory
        .stream(stream_id)
        .ok_or_else(|| AppError::bad_request(format!("Stream {stream_id} does not exist")))?;
    if !stream.members.contains(&caller.id) && !caller.has_role(CONTENT_MANAGEMENT) {
        return Err(AppError::forbidden(format!("Caller lacks necessary entitlement: not a member of stream {stream_id}")));
    }
    Ok(stream)
}

/// The `id` of an attachment in read-back, and the `fileId` of its download.
fn attachment_id(message_id: &str, position: usize) -> String {
    format!("{}{position}", attachment_id_prefix(message_id))
}

/// What every [`attachment_id`] of a message starts with.
fn attachment_id_prefix(message_id: &str) -> String {
    format!("internal_{message_id}_")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttachmentQuery {
    message_id: Option<String>,
    file_id: Option<String>,
}

pub(crate) async fn download_attachment(
    State(sandbox): State<Arc<Sandbox>>,
    Path(stream_id): Path<String>,
    query: Result<Query<AttachmentQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let caller = reader(&sandbox, &headers)?;
    let query = crate::request::query(query)?;
    let message_id = query.message_id.ok_or_else(|| AppError::bad_request("Missing required query parameter `messageId`"))?;
    let file_id = query.file_id.ok_or_else(|| AppError::bad_request("Missing required query parameter `fileId`"))?;
    let position = file_id
        .strip_prefix(&attachment_id_prefix(&message_id))
        .and_then(|position| position.parse::<usize>().ok())
        .ok_or_else(|| AppError::bad_request(format!("fileId `{file_id}` is not an attachment of message {message_id}")))?;
    let stream_id = normalize_stream_id(&stream_id);
    let content = {
        let store = sandbox.lock_store()?;
        readable_stream(store.directory(), &caller, &stream_id)?;
        store.attachment(&stream_id, &message_id, position)?
    };
    let content = content.ok_or_else(|| AppError::not_found(format!("No attachment {file_id} in message {message_id}")))?;
    let body = base64::engine::general_purpose::STANDARD.encode(content);
    Ok(([(axum::http::header::CONTENT_TYPE, "application/octet-stream")], body).into_response())
}

fn presentation_ml(message: &str) -> String {
    let trimmed = message.trim();
    match trimmed.strip_prefix("<messageML>").and_then(|rest| rest.strip_suffix("</messageML>")) {
        Some(inner) => format!(r#"<div data-format="PresentationML" data-version="2.0">{inner}</div>"#),
        None => message.to_owned(),
    }
}
