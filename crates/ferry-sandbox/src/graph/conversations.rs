//! A channel's or chat's own paths: `GET` (its `createdDateTime` and `migrationMode`), `POST .../startMigration`
//! and `POST .../completeMigration`, as the Graph v1.0 reference documents them (channel-startmigration,
//! chat-startmigration, channel-completemigration, chat-completemigration):
//!
//! - `startMigration`, optional body `{"conversationCreationDateTime": "..."}`: that value must be earlier than
//!   the conversation's current `createdDateTime` and replaces it ("can only be moved towards the past"); without
//!   it `createdDateTime` stays. 204. Already in migration: 400 when the same app started it, 403 when another
//!   app did ("only 1 application is allowed to operate within an import session"). A completed migration may
//!   be started again.
//! - `completeMigration`: 204; 400 when not in migration; 403 when another app started it (the owning app
//!   "must call import message and completeMigration").
//! - `GET`: the channel (`id`, `displayName`, `createdDateTime`, `membershipType`) or chat (`id`, `topic`,
//!   `chatType`, `createdDateTime`, `tenantId`), with `migrationMode` `inProgress` or `completed`, absent when
//!   no migration was ever started.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::Json;
use ferry_core::teams::{created_date_time, Conversation};
use serde::Deserialize;

use super::error::GraphError;
use super::store::{self, MigrationMode, StoredConversation};
use super::time::parse_date_time;
use super::{base_url, resolve, with_store, Target};
use crate::Sandbox;

/// Largest `startMigration` body read; it holds one date-time.
const MAX_START_BODY_BYTES: usize = 64 * 1024;

pub(crate) async fn get_conversation(
    State(sandbox): State<Arc<Sandbox>>,
    Target(conversation): Target,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, GraphError> {
    let base = base_url(&headers);
    with_store(&sandbox, move |store, now| {
        let (_, stored, tenant_id) = resolve(store, &headers, now, &conversation)?;
        Ok(Json(describe(&stored, &tenant_id, &base)))
    })
    .await
}

/// The channel or chat resource as Graph answers it.
fn describe(stored: &StoredConversation, tenant_id: &str, base: &str) -> serde_json::Value {
    let created = created_date_time(stored.created_millis);
    let mut value = match &stored.conversation {
        Conversation::Channel { team_id, channel_id } => serde_json::json!({
            "@odata.context": format!("{base}/$metadata#teams('{team_id}')/channels/$entity"),
            "id": channel_id,
            "createdDateTime": created,
            "displayName": stored.display_name.clone().unwrap_or_else(|| channel_id.clone()),
            "description": null,
            "membershipType": "standard",
            "tenantId": tenant_id,
        }),
        Conversation::Chat { chat_id } => serde_json::json!({
            "@odata.context": format!("{base}/$metadata#chats/$entity"),
            "id": chat_id,
            "topic": stored.display_name,
            "createdDateTime": created,
            "lastUpdatedDateTime": created,
            "chatType": if stored.members.len() == 2 { "oneOnOne" } else { "group" },
            "tenantId": tenant_id,
        }),
    };
    if let (Some(mode), Some(object)) = (stored.migration_mode, value.as_object_mut()) {
        object.insert("migrationMode".to_owned(), mode.as_str().into());
    }
    value
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartMigration {
    conversation_creation_date_time: Option<String>,
}

pub(crate) async fn start_migration(
    State(sandbox): State<Arc<Sandbox>>,
    Target(conversation): Target,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    let bytes = crate::request::read_body(&headers, body, MAX_START_BODY_BYTES).await?;
    with_store(&sandbox, move |store, now| {
        let (app, stored, _) = resolve(store, &headers, now, &conversation)?;
        let request: StartMigration = if bytes.iter().all(u8::is_ascii_whitespace) {
            StartMigration { conversation_creation_date_time: None }
        } else {
            serde_json::from_slice(&bytes)
                .map_err(|error| GraphError::bad_request(format!("Unable to read JSON request payload: {error}")))?
        };
        if stored.migration_mode == Some(MigrationMode::InProgress) {
            return Err(if stored.migration_app.as_deref() == Some(app.as_str()) {
                GraphError::bad_request(
                    "The conversation is already in migration mode: complete the migration before starting another.",
                )
            } else {
                GraphError::forbidden(
                    "InvalidRequestProperties-Only 1 application is allowed to operate within an import session. \
                     Another application started the migration of this conversation.",
                )
            });
        }
        let mut created_millis = stored.created_millis;
        if let Some(text) = &request.conversation_creation_date_time {
            let requested = parse_date_time(text).map_err(|error| {
                GraphError::bad_request(format!(
                    "conversationCreationDateTime `{text}` is not a valid date-time: {error}"
                ))
            })?;
            if requested >= stored.created_millis {
                return Err(GraphError::bad_request(format!(
                    "conversationCreationDateTime {} must be earlier than the conversation's current createdDateTime \
                     {}: it can only be moved towards the past.",
                    created_date_time(requested),
                    created_date_time(stored.created_millis)
                )));
            }
            created_millis = requested;
        }
        store::set_migration(
            store.connection(),
            &conversation.path(),
            MigrationMode::InProgress,
            Some(&app),
            created_millis,
        )?;
        tracing::info!(conversation = conversation.path(), app, "Graph migration started");
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

pub(crate) async fn complete_migration(
    State(sandbox): State<Arc<Sandbox>>,
    Target(conversation): Target,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    with_store(&sandbox, move |store, now| {
        let (app, stored, _) = resolve(store, &headers, now, &conversation)?;
        require_migration_owner(&stored, &app)?;
        store::set_migration(
            store.connection(),
            &conversation.path(),
            MigrationMode::Completed,
            None,
            stored.created_millis,
        )?;
        tracing::info!(conversation = conversation.path(), app, "Graph migration completed");
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

/// Fails unless the conversation is in migration and `app` started it: what both an import and
/// `completeMigration` need.
///
/// # Errors
/// 400 when the conversation is not in migration mode; 403 when another app started the migration.
pub(crate) fn require_migration_owner(stored: &StoredConversation, app: &str) -> Result<(), GraphError> {
    if stored.migration_mode != Some(MigrationMode::InProgress) {
        return Err(GraphError::bad_request(
            "The conversation is not in migration mode: call startMigration first. (Message POST is allowed in \
             application-only context only for import purposes.)",
        ));
    }
    if stored.migration_app.as_deref() != Some(app) {
        return Err(GraphError::forbidden("Request Initiator does not match the import session intiator."));
    }
    Ok(())
}
