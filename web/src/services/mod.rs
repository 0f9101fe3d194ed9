//! Everything the app asks `ferry serve`'s API (`/api/v1/`, see `docs/api.md`): one typed client over gloo-net
//! ([`requests::ApiClient`]), one error type ([`ApiError`]) carrying the API's own `code` and `message`, and the
//! answers as the API documents them ([`api`]).
//!
//! The page never retries on its own except where a loop says its bound ([`requests::MAX_POLL_FAILURES`]):
//! a failed call is shown with the API's words and the user decides.

pub mod api;
pub mod requests;

use std::fmt;

/// Why a call to the API did not give the answer asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// The API answered with an error: its HTTP status, its stable `code` and its `message` for people.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The API's code, e.g. `run_in_progress`; `http_STATUS` when the answer was not the API's JSON.
        code: String,
        /// The API's message.
        message: String,
    },
    /// No answer within the time allowed.
    TimedOut {
        /// The time allowed, in seconds.
        seconds: u32,
    },
    /// The request did not reach the server, or its answer was cut off (the server stopped, the network).
    Unreachable {
        /// The browser's reason.
        reason: String,
    },
    /// The answer was not what the API documents.
    Unexpected {
        /// What did not fit.
        reason: String,
    },
}

impl fmt::Display for ApiError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Refused { status: 401, message, .. } => write!(
                formatter,
                "{message}. The server may have been restarted: open the address `ferry serve` printed (with its #token=)"
            ),
            ApiError::Refused { message, code, .. } => write!(formatter, "{message} ({code})"),
            ApiError::TimedOut { seconds } => write!(formatter, "The server did not answer within {seconds} s"),
            ApiError::Unreachable { reason } => {
                write!(formatter, "The server could not be reached ({reason}); is `ferry serve` still running?")
            }
            ApiError::Unexpected { reason } => write!(formatter, "The server's answer was not understood: {reason}"),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_sentences() {
        let refused = |status: u16, code: &str| ApiError::Refused {
            status,
            code: code.to_owned(),
            message: "A run is already in progress".to_owned(),
        };
        let cases = [
            (refused(409, "run_in_progress"), "A run is already in progress (run_in_progress)"),
            (ApiError::TimedOut { seconds: 30 }, "The server did not answer within 30 s"),
            (
                ApiError::Unreachable { reason: "Failed to fetch".to_owned() },
                "The server could not be reached (Failed to fetch); is `ferry serve` still running?",
            ),
            (
                ApiError::Unexpected { reason: "missing field `id`".to_owned() },
                "The server's answer was not understood: missing field `id`",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
        assert!(refused(401, "wrong_token").to_string().contains("open the address `ferry serve` printed"));
    }
}
