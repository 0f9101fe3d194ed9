//! The pod calls a migration needs for the import documentation's steps: provision users (1), create rooms
//! and admin IMs and add members (2), deactivate users and streams afterwards (4), and the read-only look-ups
//! a pre-flight check makes. Paths, shapes and error codes follow the pod API's OpenAPI file
//! (`pod-api-public.yaml`, Pod API 20.17.1; a test compares every look-up's answer with its schema):
//!
//! - `GET /pod/v2/sessioninfo` → `UserV2` `{"id", "emailAddress", "displayName", "username", "accountType",
//!   "roles"}`.
//! - `GET /pod/v3/users?uid=|email=|username=&local=&active=` → `V2UserList` `{"users": [UserV2 without
//!   roles], "errors": [{"error": "invalid.format", "id" | "email"}]}`; exactly one list of at most 100
//!   elements (400 otherwise); `active` filters by status (absent: every status); 204 without a body when no
//!   user is found and no element is malformed. `local` is checked to be a boolean and otherwise ignored: every
//!   sandbox user is local.
//! - `GET /pod/v2/admin/user/{uid}` (User Provisioning) → `V2UserDetail` `{"userAttributes", "userSystemInfo":
//!   {"id", "status"}, "roles"}`; an unknown user is 400 (the spec lists no 404 for it).
//! - `GET /pod/v2/streams/{sid}/info` (a member, or User Provisioning or Content Management) →
//!   `V2StreamAttributes`; an unknown stream is 400 (the spec lists no 404 for it).
//! - `GET /pod/v1/admin/stream/{id}/membership/list?skip&limit` (User Provisioning; the spec names no role,
//!   this is the sandbox's rule for every admin call) → `V2MembershipList`, `limit` 100 by default, at most
//!   1000; an unknown stream is 400.
//! - `POST /pod/v2/admin/user/create` (User Provisioning) body `V2UserCreate`
//!   `{"userAttributes": {"userName", "displayName", "emailAddress", "accountType": "NORMAL" | "SYSTEM",
//!   "currentKey": {"key": PEM}}, "roles": [...]}` → `V2UserDetail` `{"userAttributes", "userSystemInfo": {"id",
//!   "status", "createdDate"}, "roles"}`. A `SYSTEM` account with `currentKey.key` is a service user that can
//!   then authenticate.
//! - `POST /pod/v1/admin/user/{uid}/status/update` (User Provisioning) body `UserStatus`
//!   `{"status": "ENABLED" | "DISABLED"}`.
//! - `POST /pod/v3/room/create` body `V3RoomAttributes` (`name` required) → `V3RoomDetail`; the creator becomes
//!   a member. An active room with the same name is refused with the pod's "Please choose another name".
//! - `POST /pod/v1/admin/im/create` (User Provisioning) body `[uid, uid, ...]` → `{"id"}`; the caller is not a
//!   member; an IM with the same members is returned again rather than duplicated.
//! - `POST /pod/v1/room/{id}/membership/add` and `/remove` body `{"id": uid}`: the caller must be a member of
//!   the room or hold User Provisioning; `POST /pod/v1/admin/room/{id}/membership/add` and `/remove`: User
//!   Provisioning.
//! - `POST /pod/v1/admin/room/{id}/setActive?active=` (User Provisioning, any stream) and
//!   `POST /pod/v1/room/{id}/setActive?active=` (a member, rooms only) → `RoomDetail`.
//!
//! Success answers without a richer shape are the pod's `SuccessResponse` `{"format": "TEXT", "message"}`.
//! Fields without a value are left out rather than sent as `null` (BDK 2.x's generated models refuse `null`
//! for most fields).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{MatchedPath, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::AppError;
use crate::ids::{new_symphony_id, normalize_stream_id};
use crate::request::{read_json, require_role, session_user, without_nulls};
use crate::store::roles::{CONTENT_MANAGEMENT, USER_PROVISIONING};
use crate::store::{Stream, StreamKind, User};
use crate::{now_millis, Sandbox};

type JsonResult = Result<Json<Value>, AppError>;

fn success(message: &str) -> Json<Value> {
    Json(json!({ "format": "TEXT", "message": message }))
}

fn answer(value: Value) -> JsonResult {
    Ok(Json(without_nulls(value)))
}

/// The pod's `accountType` of a user.
fn account_type(user: &User) -> &'static str {
    if user.service {
        "SYSTEM"
    } else {
        "NORMAL"
    }
}

/// A user as `UserV2`; `roles` only when `with_roles` (the session's own user).
fn user_v2(user: &User, with_roles: bool) -> Value {
    json!({
        "id": user.id,
        "emailAddress": user.email,
        "displayName": user.display_name,
        "username": user.username,
        "accountType": account_type(user),
        "roles": with_roles.then_some(&user.roles),
    })
}

pub(crate) async fn session_info(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap) -> JsonResult {
    let user = session_user(&sandbox, &headers)?;
    answer(user_v2(&user, true))
}

/// Most elements of one `GET /pod/v3/users` search list, as the pod API documents.
const MAX_USER_SEARCH_ELEMENTS: usize = 100;

#[derive(Deserialize)]
pub(crate) struct UsersQuery {
    uid: Option<String>,
    email: Option<String>,
    username: Option<String>,
    local: Option<String>,
    active: Option<String>,
}

/// One search list of `GET /pod/v3/users`.
enum UserSearch<'a> {
    Ids(Vec<&'a str>),
    Emails(Vec<&'a str>),
    Usernames(Vec<&'a str>),
}

/// `GET /pod/v3/users?uid=|email=|username=&local=&active=` → `V2UserList`, or 204 when nothing is found.
pub(crate) async fn list_users(
    State(sandbox): State<Arc<Sandbox>>,
    query: Result<Query<UsersQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    session_user(&sandbox, &headers)?;
    let query = crate::request::query(query)?;
    // Every user of the sandbox is local, so `local` only has to be well formed.
    parse_flag("local", query.local.as_deref())?;
    let active = parse_flag("active", query.active.as_deref())?;
    let items = |list: &Option<String>| -> Option<Vec<String>> {
        list.as_deref()
            .map(|text| text.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect())
    };
    let lists = [("uid", items(&query.uid)), ("email", items(&query.email)), ("username", items(&query.username))];
    let given: Vec<(&str, &Vec<String>)> = lists
        .iter()
        .filter_map(|(name, list)| list.as_ref().filter(|list| !list.is_empty()).map(|list| (*name, list)))
        .collect();
    let (name, list) = match given.as_slice() {
        [] => return Err(AppError::bad_request("One of the search lists uid, email or username is required")),
        [one] => *one,
        _ => {
            return Err(AppError::bad_request(
                "Only one of the search lists uid, email or username may be given at a time",
            ))
        }
    };
    if list.len() > MAX_USER_SEARCH_ELEMENTS {
        return Err(AppError::bad_request(format!(
            "The search list `{name}` has {} elements; at most {MAX_USER_SEARCH_ELEMENTS} are allowed",
            list.len()
        )));
    }
    let items: Vec<&str> = list.iter().map(String::as_str).collect();
    let search = match name {
        "uid" => UserSearch::Ids(items),
        "email" => UserSearch::Emails(items),
        _ => UserSearch::Usernames(items),
    };
    let store = sandbox.lock_store()?;
    let directory = store.directory();
    let mut found: Vec<&User> = Vec::new();
    let mut errors: Vec<Value> = Vec::new();
    match &search {
        UserSearch::Ids(ids) => {
            for id in ids {
                match id.parse::<i64>() {
                    Ok(user_id) if user_id > 0 => found.extend(directory.user(user_id)),
                    _ => errors.push(json!({"error": "invalid.format", "id": id})),
                }
            }
        }
        UserSearch::Emails(emails) => {
            for email in emails {
                if looks_like_email(email) {
                    found.extend(directory.user_by_email(email));
                } else {
                    errors.push(json!({"error": "invalid.format", "email": email}));
                }
            }
        }
        UserSearch::Usernames(names) => found.extend(names.iter().filter_map(|name| directory.user_by_name(name))),
    }
    let mut seen = BTreeSet::new();
    let users: Vec<Value> = found
        .into_iter()
        .filter(|user| active.is_none_or(|active| user.active == active))
        .filter(|user| seen.insert(user.id))
        .map(|user| user_v2(user, false))
        .collect();
    if users.is_empty() && errors.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Json(without_nulls(json!({ "users": users, "errors": errors }))).into_response())
}

/// Whether `text` has the shape of an e-mail address: one `@` between a non-empty local part and domain, no
/// white space. The pod's exact validation is not documented; this catches what a typo or a wrong column gives.
fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// A boolean query parameter: `true` or `false` in any case (the pod parses them as Java does, and BDK 2.x
/// sends Python's `True`/`False`); `None` when absent.
fn parse_flag(name: &str, value: Option<&str>) -> Result<Option<bool>, AppError> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(AppError::bad_request(format!("`{name}` must be true or false, not `{other}`"))),
    }
}

/// `GET /pod/v2/admin/user/{uid}` (User Provisioning) → `V2UserDetail`; an unknown user is 400, the error the
/// pod API lists for this call (it lists no 404).
pub(crate) async fn user_detail(
    State(sandbox): State<Arc<Sandbox>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    require_role(&caller, USER_PROVISIONING, "Reading a user's details as admin")?;
    let user_id = parse_user_id(&user_id)?;
    let store = sandbox.lock_store()?;
    let user =
        store.directory().user(user_id).ok_or_else(|| AppError::bad_request(format!("User {user_id} not found")))?;
    answer(json!({
        "userAttributes": {
            "emailAddress": user.email,
            "userName": user.username,
            "displayName": user.display_name,
            "accountType": account_type(user),
        },
        "userSystemInfo": {"id": user.id, "status": if user.active { "ENABLED" } else { "DISABLED" }},
        "roles": user.roles,
    }))
}

/// The pod's stream type: an IM between more than two users is a multi-party IM (`MIM`).
fn stream_type(stream: &Stream) -> &'static str {
    match stream.kind {
        StreamKind::Room => "ROOM",
        StreamKind::Im if stream.members.len() > 2 => "MIM",
        StreamKind::Im => "IM",
    }
}

/// The stream with this id in either base64 alphabet; an unknown stream is 400, the error the pod API lists
/// for its stream look-ups (it lists no 404).
fn known_stream(store: &crate::store::Store, stream_id: &str) -> Result<Stream, AppError> {
    let normalized = normalize_stream_id(stream_id);
    store
        .directory()
        .stream(&normalized)
        .cloned()
        .ok_or_else(|| AppError::bad_request(format!("Stream {stream_id} not found")))
}

/// `GET /pod/v2/streams/{sid}/info` → `V2StreamAttributes`: for members of the stream and for holders of
/// User Provisioning or Content Management (a migration's service user is usually not a member).
pub(crate) async fn stream_info(
    State(sandbox): State<Arc<Sandbox>>,
    Path(stream_id): Path<String>,
    headers: HeaderMap,
) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    let store = sandbox.lock_store()?;
    let stream = known_stream(&store, &stream_id)?;
    if !stream.members.contains(&caller.id)
        && !caller.has_role(USER_PROVISIONING)
        && !caller.has_role(CONTENT_MANAGEMENT)
    {
        return Err(AppError::forbidden(format!(
            "Caller lacks necessary entitlement: not a member of stream {} and neither {USER_PROVISIONING} nor {CONTENT_MANAGEMENT}",
            stream.id
        )));
    }
    let last_message_date = store.last_message_timestamp(&stream.id)?;
    let room = stream.kind == StreamKind::Room;
    answer(json!({
        "id": stream.id,
        "crossPod": false,
        "origin": "INTERNAL",
        "active": stream.active,
        "lastMessageDate": last_message_date,
        "streamType": {"type": stream_type(&stream)},
        "roomAttributes": room.then(|| json!({"name": stream.name})),
        "streamAttributes": (!room).then(|| json!({"members": stream.members})),
    }))
}

/// Default and largest `limit` of `GET /pod/v1/admin/stream/{id}/membership/list`, as the pod API documents.
const DEFAULT_MEMBERSHIP_LIMIT: i64 = 100;
const MAX_MEMBERSHIP_LIMIT: i64 = 1000;

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    skip: Option<i64>,
    limit: Option<i64>,
}

/// `GET /pod/v1/admin/stream/{id}/membership/list?skip&limit` (User Provisioning) → `V2MembershipList`,
/// members in user id order.
pub(crate) async fn stream_members(
    State(sandbox): State<Arc<Sandbox>>,
    Path(stream_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    require_role(&caller, USER_PROVISIONING, "Listing a stream's members as admin")?;
    let query = crate::request::query(query)?;
    let skip = query.skip.unwrap_or(0);
    let limit = query.limit.unwrap_or(DEFAULT_MEMBERSHIP_LIMIT);
    if skip < 0 {
        return Err(AppError::bad_request("`skip` must not be negative"));
    }
    if !(0..=MAX_MEMBERSHIP_LIMIT).contains(&limit) {
        return Err(AppError::bad_request(format!("`limit` must be between 0 and {MAX_MEMBERSHIP_LIMIT}")));
    }
    let store = sandbox.lock_store()?;
    let stream = known_stream(&store, &stream_id)?;
    let room = stream.kind == StreamKind::Room;
    let members: Vec<Value> = stream
        .members
        .iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|member_id| {
            let user = store.directory().user(*member_id);
            let creator = stream.created_by == Some(*member_id);
            json!({
                "user": {
                    "userId": member_id,
                    "email": user.and_then(|user| user.email.as_deref()),
                    "displayName": user.map(|user| user.display_name.as_str()),
                    "isExternal": false,
                },
                "isOwner": room && creator,
                "isCreator": creator,
            })
        })
        .collect();
    answer(json!({ "count": stream.members.len(), "skip": skip, "limit": limit, "members": members }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserCreate {
    user_attributes: UserAttributes,
    #[serde(default)]
    roles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserAttributes {
    user_name: Option<String>,
    display_name: Option<String>,
    email_address: Option<String>,
    account_type: Option<String>,
    current_key: Option<UserKey>,
}

#[derive(Deserialize)]
struct UserKey {
    key: Option<String>,
}

pub(crate) async fn create_user(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Body) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    require_role(&caller, USER_PROVISIONING, "Creating users")?;
    let raw: Value = read_json(&sandbox, &headers, body, "V2UserCreate").await?;
    let request: UserCreate = serde_json::from_value(raw.clone())
        .map_err(|error| AppError::bad_request(format!("Request body is not a valid V2UserCreate: {error}")))?;
    let attributes = request.user_attributes;
    let username = attributes
        .user_name
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| AppError::bad_request("userAttributes.userName is required"))?;
    let service = attributes.account_type.as_deref() == Some("SYSTEM");
    let public_key_pem = attributes.current_key.and_then(|key| key.key);
    let mut store = sandbox.lock_store()?;
    if store.directory().user_by_name(&username).is_some() {
        return Err(AppError::bad_request(format!("A user with userName `{username}` already exists")));
    }
    let id = store.directory().next_user_id();
    let now = now_millis();
    store.upsert_user(User {
        id,
        display_name: attributes.display_name.unwrap_or_else(|| username.clone()),
        username,
        email: attributes.email_address,
        active: true,
        service,
        roles: request.roles.clone(),
        public_key_pem,
    })?;
    answer(json!({
        "userAttributes": raw.get("userAttributes").cloned().unwrap_or(Value::Null),
        "userSystemInfo": {"id": id, "status": "ENABLED", "createdDate": now, "createdBy": caller.username},
        "roles": request.roles,
    }))
}

#[derive(Deserialize)]
struct UserStatus {
    status: String,
}

pub(crate) async fn update_user_status(
    State(sandbox): State<Arc<Sandbox>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    require_role(&caller, USER_PROVISIONING, "Changing a user's status")?;
    let user_id = parse_user_id(&user_id)?;
    let request: UserStatus = read_json(&sandbox, &headers, body, "user status update").await?;
    let active = match request.status.as_str() {
        "ENABLED" => true,
        "DISABLED" => false,
        other => return Err(AppError::bad_request(format!("status must be ENABLED or DISABLED, not `{other}`"))),
    };
    sandbox.lock_store()?.set_user_active(user_id, active).map_err(not_found_if_invalid)?;
    Ok(success("OK"))
}

#[derive(Deserialize)]
struct RoomAttributes {
    name: Option<String>,
}

pub(crate) async fn create_room(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Body) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    let raw: Value = read_json(&sandbox, &headers, body, "V3RoomAttributes").await?;
    let attributes: RoomAttributes = serde_json::from_value(raw.clone())
        .map_err(|error| AppError::bad_request(format!("Request body is not a valid V3RoomAttributes: {error}")))?;
    let name = attributes
        .name
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| AppError::bad_request("Room name is required"))?;
    let mut store = sandbox.lock_store()?;
    let name_taken = store.directory().streams_named(&name);
    if name_taken {
        return Err(AppError::bad_request(format!("A room named \"{name}\" already exists. Please choose another name")));
    }
    let id = new_symphony_id();
    let now = now_millis();
    store.upsert_stream(Stream {
        id: id.clone(),
        kind: StreamKind::Room,
        name: Some(name),
        active: true,
        members: BTreeSet::from([caller.id]),
        created_by: Some(caller.id),
        created_at: now,
    })?;
    answer(json!({
        "roomAttributes": raw,
        "roomSystemInfo": {"id": id, "creationDate": now, "createdByUserId": caller.id, "active": true},
    }))
}

pub(crate) async fn create_admin_im(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Body) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    require_role(&caller, USER_PROVISIONING, "Creating an IM as admin")?;
    let user_ids: Vec<i64> = read_json(&sandbox, &headers, body, "list of user ids").await?;
    let members: BTreeSet<i64> = user_ids.iter().copied().collect();
    if members.len() < 2 {
        return Err(AppError::bad_request("An IM needs at least two distinct user ids"));
    }
    let mut store = sandbox.lock_store()?;
    if let Some(unknown) = members.iter().find(|id| store.directory().user(**id).is_none()) {
        return Err(AppError::bad_request(format!("User {unknown} does not exist")));
    }
    if let Some(existing) = store.directory().im_with_members(&members) {
        return answer(json!({ "id": existing.id }));
    }
    let id = new_symphony_id();
    store.upsert_stream(Stream {
        id: id.clone(),
        kind: StreamKind::Im,
        name: None,
        active: true,
        members,
        created_by: Some(caller.id),
        created_at: now_millis(),
    })?;
    answer(json!({ "id": id }))
}

#[derive(Deserialize)]
struct MemberRequest {
    id: i64,
}

/// `POST /pod/v1/room/{id}/membership/{add|remove}` and the same under `/pod/v1/admin/room/`: the admin
/// paths need User Provisioning; the others a member of the room or User Provisioning.
pub(crate) async fn change_member(
    State(sandbox): State<Arc<Sandbox>>,
    Path((stream_id, action)): Path<(String, String)>,
    route: MatchedPath,
    headers: HeaderMap,
    body: Body,
) -> JsonResult {
    let member = match action.as_str() {
        "add" => true,
        "remove" => false,
        _ => return Err(AppError::not_found("No such endpoint in the sandbox")),
    };
    if route.as_str().starts_with("/pod/v1/admin/") {
        let caller = session_user(&sandbox, &headers)?;
        require_role(&caller, USER_PROVISIONING, "Changing room membership as admin")?;
    }
    change_membership(&sandbox, &stream_id, &headers, body, member).await
}

async fn change_membership(sandbox: &Sandbox, stream_id: &str, headers: &HeaderMap, body: Body, member: bool) -> JsonResult {
    let caller = session_user(sandbox, headers)?;
    let request: MemberRequest = read_json(sandbox, headers, body, "{\"id\": <user id>}").await?;
    let stream_id = normalize_stream_id(stream_id);
    let mut store = sandbox.lock_store()?;
    let stream = store
        .directory()
        .stream(&stream_id)
        .ok_or_else(|| AppError::not_found(format!("Stream {stream_id} does not exist")))?;
    if stream.kind != StreamKind::Room {
        return Err(AppError::bad_request(format!("Stream {stream_id} is an IM; IM membership cannot change")));
    }
    if !stream.members.contains(&caller.id) && !caller.has_role(USER_PROVISIONING) {
        return Err(AppError::forbidden(format!(
            "Caller lacks necessary entitlement: not a member of room {stream_id} and no {USER_PROVISIONING} role"
        )));
    }
    if store.directory().user(request.id).is_none() {
        return Err(AppError::bad_request(format!("User {} does not exist", request.id)));
    }
    store.set_membership(&stream_id, request.id, member)?;
    Ok(success(if member { "Member added" } else { "Member removed" }))
}

#[derive(Deserialize)]
pub(crate) struct ActiveQuery {
    /// `true` or `false` in any case: the pod parses it as Java does, and BDK 2.x sends Python's `False`.
    active: Option<String>,
}

pub(crate) async fn admin_set_stream_active(
    State(sandbox): State<Arc<Sandbox>>,
    Path(stream_id): Path<String>,
    query: Result<Query<ActiveQuery>, QueryRejection>,
    headers: HeaderMap,
) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    require_role(&caller, USER_PROVISIONING, "Changing a stream's status as admin")?;
    set_stream_active(&sandbox, &stream_id, query, None)
}

pub(crate) async fn set_room_active(
    State(sandbox): State<Arc<Sandbox>>,
    Path(stream_id): Path<String>,
    query: Result<Query<ActiveQuery>, QueryRejection>,
    headers: HeaderMap,
) -> JsonResult {
    let caller = session_user(&sandbox, &headers)?;
    set_stream_active(&sandbox, &stream_id, query, Some(caller.id))
}

/// Sets a stream's status; `member_required` is the caller when it acts as a room member rather than admin.
fn set_stream_active(
    sandbox: &Sandbox,
    stream_id: &str,
    query: Result<Query<ActiveQuery>, QueryRejection>,
    member_required: Option<i64>,
) -> JsonResult {
    let query = crate::request::query(query)?;
    let active = match query.active.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("true") => true,
        Some("false") => false,
        Some(other) => return Err(AppError::bad_request(format!("`active` must be true or false, not `{other}`"))),
        None => return Err(AppError::bad_request("Missing required query parameter `active`")),
    };
    let stream_id = normalize_stream_id(stream_id);
    let mut store = sandbox.lock_store()?;
    let stream = store
        .directory()
        .stream(&stream_id)
        .ok_or_else(|| AppError::not_found(format!("Stream {stream_id} does not exist")))?;
    if let Some(caller) = member_required {
        if stream.kind != StreamKind::Room {
            return Err(AppError::bad_request(format!("Stream {stream_id} is not a room")));
        }
        if !stream.members.contains(&caller) {
            return Err(AppError::forbidden(format!("Caller lacks necessary entitlement: not a member of room {stream_id}")));
        }
    }
    store.set_stream_active(&stream_id, active)?;
    let stream = store
        .directory()
        .stream(&stream_id)
        .ok_or_else(|| AppError::internal(format!("Stream {stream_id} vanished")))?;
    answer(json!({
        "roomAttributes": {"name": stream.name},
        "roomSystemInfo": {
            "id": stream.id,
            "creationDate": stream.created_at,
            "createdByUserId": stream.created_by,
            "active": stream.active,
        },
    }))
}

fn parse_user_id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::bad_request(format!("User id must be an integer, not `{text}`")))
}

fn not_found_if_invalid(error: crate::error::SandboxError) -> AppError {
    match error {
        crate::error::SandboxError::Invalid(message) => AppError::not_found(message),
        other => other.into(),
    }
}
