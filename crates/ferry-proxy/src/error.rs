//! The crate's one error type for a run that cannot go on, and the error of one call to the pod.

use std::time::Duration;

/// Why a call to the pod failed (after any retries).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The server answered with an error status.
    #[error("{what}: HTTP {status}: {message}")]
    Status {
        /// The call, e.g. `POST /agent/v4/message/import`.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The `message` of the `{"code","message"}` body, or the start of the body.
        message: String,
        /// `Retry-After`, when the server gave one.
        retry_after: Option<Duration>,
    },
    /// No answer: the connection failed, was closed, or the request timed out. For an import the outcome is
    /// unknown: the server may have applied it.
    #[error("{what}: {message}")]
    Transport {
        /// The call.
        what: String,
        /// What the HTTP client said.
        message: String,
        /// It was a timeout.
        timeout: bool,
    },
    /// The server answered 2xx with a body that is not what the API documents.
    #[error("{what}: unexpected answer: {message}")]
    Decode {
        /// The call.
        what: String,
        /// What was wrong.
        message: String,
    },
    /// Authentication failed (`/login` or `/relay` answered 401): the key or username is wrong, or the key is
    /// not registered for that user.
    #[error("authentication failed at {what}: {message}")]
    Unauthorized {
        /// The call.
        what: String,
        /// The server's message.
        message: String,
    },
}

impl CallError {
    /// Whether retrying may succeed: 429, 5xx, connection errors and timeouts. 400 and 403 never are.
    pub fn is_transient(&self) -> bool {
        match self {
            CallError::Status { status, .. } => *status == 429 || *status >= 500,
            CallError::Transport { .. } => true,
            CallError::Decode { .. } | CallError::Unauthorized { .. } => false,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Status { status, .. } => Some(*status),
            CallError::Unauthorized { .. } => Some(401),
            _ => None,
        }
    }

    /// For an import: whether the server may have applied the request (no answer, or a server error after
    /// which the Agent's state is unknown). 4xx answers mean nothing was applied (the Agent's contract: "If it
    /// returns a 40X status then it will have sent no message to any stream").
    pub fn outcome_unknown(&self) -> bool {
        match self {
            CallError::Transport { .. } | CallError::Decode { .. } => true,
            CallError::Status { status, .. } => *status >= 500,
            CallError::Unauthorized { .. } => false,
        }
    }
}

/// Why a run, a pre-flight or a look-up could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The BDK configuration is unusable (the message names the file and the key).
    #[error("{0}")]
    Config(String),
    /// A call to the pod failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The journal could not be read or written.
    #[error("journal {path}: {source}")]
    Journal {
        /// The journal file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// An input file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The input cannot be imported as given (the message says why and what to do).
    #[error("{0}")]
    Refused(String),
}
