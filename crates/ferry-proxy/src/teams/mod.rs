//! Importing into Microsoft Teams through Graph's migration mode.
//!
//! - [`config`]: `teams.yaml` (tenant, application, secret or certificate, Graph and token URLs).
//! - [`token`] and [`client`]: application tokens, and [`GraphClient`], every call to Graph with retries and
//!   per-conversation pacing in one place.
//! - [`journal`]: every message's fate and every conversation's migration session, in the journal's SQLite
//!   file (tables of their own), so each message lands exactly once through crashes.
//! - [`intake`]: the input checked by ferry-core for the Teams target, converted by the caller into Graph
//!   requests, taken into the journal.
//! - [`run`]: the runner: per conversation startMigration, the messages in `createdDateTime` order, one
//!   request each, completeMigration; several conversations at once.
//!
//! A message's identity in Teams is (conversation path, `createdDateTime` in milliseconds): Graph keeps at
//! most one message per millisecond of a conversation (409 Conflict otherwise), and that is how an import
//! whose answer was lost is recognised when the conversation is read back.

pub mod client;
pub mod config;
pub mod intake;
pub mod journal;
pub mod run;
pub mod token;

pub use client::GraphClient;
pub use config::TeamsConfig;
pub use ferry_core::teams::{created_date_time, MESSAGES_PER_SECOND_PER_CONVERSATION};
pub use journal::TeamsJournal;

/// Reads a Graph `createdDateTime` (`2019-02-04T19:58:15.511Z`; any number of fraction digits, truncated to
/// the millisecond as Graph does; `Z` or `+00:00`) into milliseconds since the epoch.
///
/// # Errors
/// A message naming the text when it is not such a date and time.
pub fn parse_created_date_time(text: &str) -> Result<i64, String> {
    let invalid = || format!("{text:?} is not a UTC createdDateTime");
    let trimmed = text.trim();
    let without_zone =
        trimmed.strip_suffix(['Z', 'z']).or_else(|| trimmed.strip_suffix("+00:00")).ok_or_else(invalid)?;
    let (seconds_part, fraction) = match without_zone.split_once('.') {
        Some((seconds, fraction)) => (seconds, fraction),
        None => (without_zone, ""),
    };
    if !fraction.bytes().all(|byte| byte.is_ascii_digit()) || seconds_part.len() != 19 {
        return Err(invalid());
    }
    let whole = ferry_core::humanize::parse_utc_date_time(seconds_part).map_err(|_| invalid())?;
    let millis: i64 = format!("{fraction:0<3}")[..3].parse().map_err(|_| invalid())?;
    Ok(whole + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_date_times_are_read_to_the_millisecond() {
        let cases = [
            ("2019-02-04T19:58:15.511Z", Some(1_549_310_295_511)),
            ("2019-02-04T19:58:15Z", Some(1_549_310_295_000)),
            ("2019-02-04T19:58:15.5Z", Some(1_549_310_295_500)),
            ("2019-02-04T19:58:15.0025302Z", Some(1_549_310_295_002)),
            ("2019-02-04T19:58:15.511+00:00", Some(1_549_310_295_511)),
            ("2019-02-04T19:58:15.511", None),
            ("2019-02-04T19:58Z", None),
            ("2019-02-04T19:58:15.5a1Z", None),
            ("yesterday", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_created_date_time(text).ok(), expected, "{text}");
        }
        assert_eq!(parse_created_date_time(&created_date_time(1_583_139_672_250)), Ok(1_583_139_672_250));
    }
}
