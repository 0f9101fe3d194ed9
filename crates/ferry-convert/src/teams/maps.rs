//! The Teams maps: CSV files the user writes, saying who each Symphony user is in Microsoft Entra ID and which
//! Teams conversation each Symphony stream becomes.
//!
//! `users.csv`: `symphonyUserId,entraUserId,displayName`. `streams.csv`: `streamId,teamId,channelId,chatId`,
//! each row either a team and a channel (chat empty) or a chat (team and channel empty).
//!
//! Invariants: columns are found by their header's name (extra columns and another order are accepted); every
//! value is trimmed; reading stops at the first bad row with its line (1-based, the header is line 1); a key
//! listed twice is an error, stream ids compared as [`ferry_core::pod::normalize_stream_id`] writes them (the
//! keys of the returned map are in that form); one stream maps to one conversation, and one conversation is
//! the target of one stream only (Teams keys messages by conversation and millisecond, which the checks of
//! one stream cannot keep unique across two).

use std::collections::BTreeMap;

use ferry_core::pod::normalize_stream_id;
use ferry_core::teams::{Conversation, EntraUser};

pub use crate::slack::maps::MapError;
use crate::slack::maps::Table;

/// The columns of `users.csv`.
pub const USER_COLUMNS: [&str; 3] = ["symphonyUserId", "entraUserId", "displayName"];

/// The columns of `streams.csv`.
pub const STREAM_COLUMNS: [&str; 4] = ["streamId", "teamId", "channelId", "chatId"];

/// Reads `users.csv`: Entra users by Symphony user id.
///
/// # Errors
/// A missing column, a Symphony id that is not a positive whole number, an Entra id that is not a GUID (Graph's
/// `from.user.id` is the user's object id), an empty display name, a Symphony id listed twice: with the line.
pub fn read_users_csv(text: &str) -> Result<BTreeMap<i64, EntraUser>, MapError> {
    let table = Table::read(text.as_bytes(), &USER_COLUMNS)?;
    let mut users = BTreeMap::new();
    for (line, record, symphony_text) in table.keyed_records("symphonyUserId")? {
        let at = |message: String| MapError::AtLine { line, message };
        let symphony_user_id = match symphony_text.parse::<i64>() {
            Ok(id) if id > 0 => id,
            _ => return Err(at(format!("symphonyUserId `{symphony_text}` is not a positive whole number"))),
        };
        let entra_id = table.field(record, "entraUserId");
        if !is_guid(entra_id) {
            return Err(at(format!(
                "entraUserId `{entra_id}` is not an Entra object id (a GUID such as \
                 5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60)"
            )));
        }
        let display_name = table.field(record, "displayName");
        if display_name.is_empty() {
            return Err(at("displayName is empty (Teams shows it as the sender's and the mentions' name)".into()));
        }
        let user = EntraUser { id: entra_id.to_owned(), display_name: display_name.to_owned() };
        if users.insert(symphony_user_id, user).is_some() {
            // `keyed_records` compares texts; `007` and `7` are the same id.
            return Err(at(format!("symphonyUserId {symphony_user_id} is listed again")));
        }
    }
    Ok(users)
}

/// Reads `streams.csv`: Teams conversations by Symphony stream id (URL-safe base64 without padding).
///
/// # Errors
/// A missing column, a row with both a channel and a chat or with neither, a team without a channel (or the
/// reverse), a stream listed twice, a conversation that is the target of two streams: with the line.
pub fn read_streams_csv(text: &str) -> Result<BTreeMap<String, Conversation>, MapError> {
    let table = Table::read(text.as_bytes(), &STREAM_COLUMNS)?;
    let mut streams = BTreeMap::new();
    let mut first_line_of_conversation: BTreeMap<Conversation, (u64, String)> = BTreeMap::new();
    for (line, record, stream_text) in table.keyed_records("streamId")? {
        let at = |message: String| MapError::AtLine { line, message };
        let (team_id, channel_id, chat_id) =
            (table.field(record, "teamId"), table.field(record, "channelId"), table.field(record, "chatId"));
        let conversation = match (team_id.is_empty(), channel_id.is_empty(), chat_id.is_empty()) {
            (false, false, true) => {
                Conversation::Channel { team_id: team_id.to_owned(), channel_id: channel_id.to_owned() }
            }
            (true, true, false) => Conversation::Chat { chat_id: chat_id.to_owned() },
            (_, _, false) => {
                return Err(at(format!("{stream_text} names both a channel and a chat; give one of them")))
            }
            (true, true, true) => {
                return Err(at(format!("{stream_text} names no conversation: give teamId and channelId, or chatId")))
            }
            (true, false, true) => return Err(at(format!("{stream_text} names a channel but no teamId"))),
            (false, true, true) => return Err(at(format!("{stream_text} names a team but no channelId"))),
        };
        let stream_id = normalize_stream_id(&stream_text);
        if let Some((first, first_stream)) = first_line_of_conversation.get(&conversation) {
            return Err(at(format!(
                "{} is already the target of stream {first_stream} (line {first}); one stream maps to one conversation",
                conversation.path()
            )));
        }
        first_line_of_conversation.insert(conversation.clone(), (line, stream_text.clone()));
        if streams.insert(stream_id, conversation).is_some() {
            // `keyed_records` compares texts; `a+b` and `a-b` are the same stream.
            return Err(at(format!("{stream_text} is listed again (in another base64 alphabet or padding)")));
        }
    }
    Ok(streams)
}

/// Whether `text` is a GUID written `8-4-4-4-12` hexadecimal digits, the form of an Entra object id.
fn is_guid(text: &str) -> bool {
    const GROUP_LENGTHS: [usize; 5] = [8, 4, 4, 4, 12];
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == GROUP_LENGTHS.len()
        && groups
            .iter()
            .zip(GROUP_LENGTHS)
            .all(|(group, length)| group.len() == length && group.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const ALICE: &str = "5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60";

    #[test]
    fn users_are_read_by_header_name_and_trimmed() {
        let text = format!("displayName,entraUserId,symphonyUserId,notes\n Alice Martin , {ALICE} ,7,x\n");
        let users = read_users_csv(&text).unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(users[&7], EntraUser { id: ALICE.into(), display_name: "Alice Martin".into() });
    }

    #[test]
    fn bad_user_rows_are_errors_with_their_line() {
        let header = "symphonyUserId,entraUserId,displayName\n";
        let cases: &[(&str, &str)] = &[
            ("12x,{A},Alice\n", "line 2: symphonyUserId `12x` is not a positive whole number"),
            ("-3,{A},Alice\n", "line 2: symphonyUserId `-3` is not a positive whole number"),
            ("7,alice@example.com,Alice\n", "line 2: entraUserId `alice@example.com` is not an Entra object id"),
            ("7,,Alice\n", "line 2: entraUserId `` is not an Entra object id"),
            ("7,{A},\n", "line 2: displayName is empty"),
            ("7,{A},Alice\n8,{A},Bob\n7,{A},Alice\n", "line 4: 7 is listed again (first on line 2)"),
            ("7,{A},Alice\n007,{A},Alice\n", "line 3: symphonyUserId 7 is listed again"),
            (",{A},Alice\n", "line 2: symphonyUserId is empty"),
        ];
        for (body, expected) in cases {
            let text = format!("{header}{}", body.replace("{A}", ALICE));
            let error = read_users_csv(&text).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{body}: {error}");
        }
        assert_eq!(
            read_users_csv("symphonyUserId,displayName\n7,A\n").unwrap_err().to_string(),
            "line 1: the header lacks the column(s) entraUserId (expected symphonyUserId,entraUserId,displayName)"
        );
    }

    #[test]
    fn streams_become_channels_or_chats_keyed_by_url_safe_ids() {
        let text = "streamId,teamId,channelId,chatId\n\
                    ab+c/d==,T1,19:c1@thread.tacv2,\n\
                    xyz,,,19:chat@thread.v2\n";
        let streams = read_streams_csv(text).unwrap();
        assert_eq!(
            streams["ab-c_d"],
            Conversation::Channel { team_id: "T1".into(), channel_id: "19:c1@thread.tacv2".into() }
        );
        assert_eq!(streams["xyz"], Conversation::Chat { chat_id: "19:chat@thread.v2".into() });
    }

    #[test]
    fn bad_stream_rows_are_errors_with_their_line() {
        let header = "streamId,teamId,channelId,chatId\n";
        let cases: &[(&str, &str)] = &[
            ("s1,T,C,X\n", "line 2: s1 names both a channel and a chat; give one of them"),
            ("s1,T,,X\n", "line 2: s1 names both a channel and a chat"),
            ("s1,,,\n", "line 2: s1 names no conversation: give teamId and channelId, or chatId"),
            ("s1,,C,\n", "line 2: s1 names a channel but no teamId"),
            ("s1,T,,\n", "line 2: s1 names a team but no channelId"),
            ("s1,,,X\ns2,,,Y\ns1,,,Z\n", "line 4: s1 is listed again (first on line 2)"),
            ("a+b,,,X\na-b,,,Y\n", "line 3: a-b is listed again (in another base64 alphabet or padding)"),
            (
                "s1,T,C,\ns2,T,C,\n",
                "line 3: /teams/T/channels/C is already the target of stream s1 (line 2); one stream maps to one \
                 conversation",
            ),
            (",,,X\n", "line 2: streamId is empty"),
        ];
        for (body, expected) in cases {
            let error = read_streams_csv(&format!("{header}{body}")).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{body}: {error}");
        }
    }

    #[test]
    fn guids_are_recognised() {
        let cases = [
            (ALICE, true),
            ("5F2A8C1E-3B4D-4E6F-9A70-1B2C3D4E5F60", true),
            ("5f2a8c1e3b4d4e6f9a701b2c3d4e5f60", false),
            ("5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f6", false),
            ("5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f6g", false),
            ("", false),
        ];
        for (text, expected) in cases {
            assert_eq!(is_guid(text), expected, "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever text a map holds, reading it never panics, and an error names a line of the text.
        #[test]
        fn any_map_text_is_read_or_refused_with_a_line(
            body in proptest::prop_oneof![
                "([0-9a-f:@.+/=-]{0,40}(,[0-9a-f:@.+/= -]{0,40}){0,4}\n){0,6}",
                "\\PC{0,200}",
            ],
        ) {
            for header in ["symphonyUserId,entraUserId,displayName\n", "streamId,teamId,channelId,chatId\n", ""] {
                let text = format!("{header}{body}");
                let lines = u64::try_from(text.lines().count()).unwrap() + 1;
                let errors = [read_users_csv(&text).err(), read_streams_csv(&text).err()];
                for error in errors.into_iter().flatten() {
                    if let MapError::AtLine { line, .. } = error {
                        proptest::prop_assert!(line <= lines, "line {line} of {lines}: {text:?}");
                    }
                }
            }
        }
    }
}
