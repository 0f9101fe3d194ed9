//! RSA authentication as the pod (`/login`) and the key manager (`/relay`) do it, and the session tokens
//! they hand out.
//!
//! A service user proves who it is with a JWT (RS512) whose `sub` is its username, signed with the private key
//! matching the public key registered for that username, and whose `exp` lies between now and five minutes
//! from now. The same JWT may be presented to both `/login` and `/relay` (the BDK does exactly that), so a JWT
//! is not consumed by use.
//!
//! Session tokens are opaque random strings, never JWTs (see [`crate::ids::new_session_token`]). A session
//! expires after the configured lifetime, or at once when [`Sessions::expire_all`] is called: the client then
//! receives 401 and, like the BDK, authenticates again.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use crate::error::AppError;
use crate::store::Directory;

/// How far in the future a JWT's `exp` may lie.
pub const MAX_JWT_LIFETIME_SECONDS: i64 = 5 * 60;

/// Longest JWT accepted, in bytes; an RS512 JWT with a 4096-bit key is under 1 KiB.
const MAX_JWT_BYTES: usize = 16 * 1024;

/// Which service issued a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// The pod (`/login/pubkey/authenticate`): goes in the `sessionToken` header.
    Session,
    /// The key manager (`/relay/pubkey/authenticate`): goes in the `keyManagerToken` header.
    KeyManager,
}

impl TokenKind {
    /// The header the token belongs in, also returned as `name` by the authenticate calls.
    pub fn header_name(self) -> &'static str {
        match self {
            TokenKind::Session => "sessionToken",
            TokenKind::KeyManager => "keyManagerToken",
        }
    }
}

#[derive(Debug)]
struct Session {
    user_id: i64,
    kind: TokenKind,
    expires_at: Instant,
}

/// Live session tokens. Kept in memory only: after a restart every client authenticates again, as it would
/// after a pod restart.
#[derive(Debug, Default)]
pub struct Sessions {
    by_token: HashMap<String, Session>,
}

impl Sessions {
    /// Issues a token of `kind` for `user_id`, valid for `lifetime`.
    pub fn issue(&mut self, user_id: i64, kind: TokenKind, lifetime: Duration) -> String {
        let now = Instant::now();
        // Bound the table: drop expired sessions whenever a new one is issued.
        self.by_token.retain(|_, session| session.expires_at > now);
        let token = crate::ids::new_session_token();
        // A lifetime too long for the clock to represent means "does not expire": a year is as good.
        const ONE_YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);
        let expires_at = now.checked_add(lifetime).or_else(|| now.checked_add(ONE_YEAR)).unwrap_or(now);
        self.by_token.insert(token.clone(), Session { user_id, kind, expires_at });
        token
    }

    /// The user a live token of `kind` belongs to.
    ///
    /// # Errors
    /// 401 when the token is unknown, of the other kind, or expired.
    pub fn user_of(&self, token: &str, kind: TokenKind) -> Result<i64, AppError> {
        match self.by_token.get(token) {
            Some(session) if session.kind == kind && session.expires_at > Instant::now() => Ok(session.user_id),
            Some(session) if session.kind == kind => {
                Err(AppError::unauthorized(format!("{} has expired; authenticate again", kind.header_name())))
            }
            _ => Err(AppError::unauthorized(format!("{} is not a valid token", kind.header_name()))),
        }
    }

    /// Ends every session now, so the next call of each client gets 401.
    pub fn expire_all(&mut self) -> usize {
        let count = self.by_token.len();
        self.by_token.clear();
        count
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
}

#[derive(Deserialize)]
struct SubjectOnly {
    sub: Option<String>,
}

/// Checks an authentication JWT and returns the id of the user it authenticates.
///
/// `now_seconds` is the current Unix time in seconds.
///
/// # Errors
/// 401 for anything that is not a JWT, not RS512, names an unknown or inactive user or one without a
/// registered key, has a bad signature, or an `exp` outside now..now+5 min.
pub fn verify_jwt(directory: &Directory, jwt: &str, now_seconds: i64) -> Result<i64, AppError> {
    if jwt.len() > MAX_JWT_BYTES {
        return Err(AppError::unauthorized("authentication token is too long"));
    }
    let header = jsonwebtoken::decode_header(jwt)
        .map_err(|error| AppError::unauthorized(format!("authentication token is not a JWT: {error}")))?;
    if header.alg != Algorithm::RS512 {
        return Err(AppError::unauthorized(format!(
            "authentication token must be signed with RS512, not {:?}",
            header.alg
        )));
    }
    // The key to check the signature with depends on `sub`, so `sub` is read before the signature is checked;
    // nothing else from the unverified payload is trusted.
    let subject = unverified_subject(jwt)?;
    let user = directory
        .user_by_name(&subject)
        .ok_or_else(|| AppError::unauthorized(format!("unknown user `{subject}`")))?;
    let key = directory
        .public_key(user.id)
        .ok_or_else(|| AppError::unauthorized(format!("user `{subject}` has no public key registered")))?;
    let mut validation = Validation::new(Algorithm::RS512);
    // `exp` is checked below against the five-minute window, which jsonwebtoken cannot express.
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(jwt, key, &validation)
        .map_err(|error| AppError::unauthorized(format!("authentication token rejected: {error}")))?
        .claims;
    if claims.sub != subject {
        return Err(AppError::unauthorized("authentication token subject changed during verification"));
    }
    if claims.exp <= now_seconds {
        return Err(AppError::unauthorized("authentication token has expired"));
    }
    if claims.exp > now_seconds.saturating_add(MAX_JWT_LIFETIME_SECONDS) {
        return Err(AppError::unauthorized(
            "authentication token expires more than five minutes from now; `exp` must lie within the next five minutes",
        ));
    }
    if !user.active {
        return Err(AppError::unauthorized(format!("user `{subject}` is deactivated")));
    }
    Ok(user.id)
}

fn unverified_subject(jwt: &str) -> Result<String, AppError> {
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| AppError::unauthorized("authentication token is not a JWT"))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| AppError::unauthorized("authentication token payload is not base64url"))?;
    let claims: SubjectOnly = serde_json::from_slice(&bytes)
        .map_err(|_| AppError::unauthorized("authentication token payload is not a JSON object"))?;
    claims
        .sub
        .filter(|subject| !subject.is_empty())
        .ok_or_else(|| AppError::unauthorized("authentication token has no `sub` claim naming the user"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::store::{Storage, Store, User};
    use jsonwebtoken::{EncodingKey, Header};

    const PUBLIC: &str = include_str!("../tests/fixtures/service-user.pub.pem");
    const PRIVATE: &str = include_str!("../tests/fixtures/service-user.key.pem");
    const OTHER_PRIVATE: &str = include_str!("../tests/fixtures/other.key.pem");
    const NOW: i64 = 1_800_000_000;

    fn store() -> Store {
        let mut store = Store::open(&Storage::Memory).unwrap();
        for (id, name, active) in [(10, "import-bot", true), (11, "retired-bot", false)] {
            store
                .upsert_user(User {
                    id,
                    username: name.into(),
                    display_name: name.into(),
                    email: None,
                    active,
                    service: true,
                    roles: vec![],
                    public_key_pem: Some(PUBLIC.into()),
                })
                .unwrap();
        }
        store
    }

    fn sign(claims: serde_json::Value, key: &str, algorithm: Algorithm) -> String {
        let encoding = match algorithm {
            Algorithm::HS256 => EncodingKey::from_secret(b"secret"),
            _ => EncodingKey::from_rsa_pem(key.as_bytes()).unwrap(),
        };
        jsonwebtoken::encode(&Header::new(algorithm), &claims, &encoding).unwrap()
    }

    #[test]
    fn jwt_table() {
        let store = store();
        let good = |sub: &str, exp: i64| sign(serde_json::json!({"sub": sub, "exp": exp}), PRIVATE, Algorithm::RS512);
        let table: Vec<(&str, String, Result<i64, &str>)> = vec![
            ("valid, as the BDK makes it", good("import-bot", NOW + 240), Ok(10)),
            ("exactly five minutes", good("import-bot", NOW + 300), Ok(10)),
            ("expired", good("import-bot", NOW - 1), Err("has expired")),
            ("too far ahead", good("import-bot", NOW + 301), Err("more than five minutes")),
            ("unknown user", good("nobody", NOW + 60), Err("unknown user `nobody`")),
            ("deactivated user", good("retired-bot", NOW + 60), Err("deactivated")),
            (
                "signed with another key",
                sign(serde_json::json!({"sub": "import-bot", "exp": NOW + 60}), OTHER_PRIVATE, Algorithm::RS512),
                Err("rejected"),
            ),
            (
                "RS256",
                sign(serde_json::json!({"sub": "import-bot", "exp": NOW + 60}), PRIVATE, Algorithm::RS256),
                Err("RS512"),
            ),
            (
                "HS256 forged with a shared secret",
                sign(serde_json::json!({"sub": "import-bot", "exp": NOW + 60}), PRIVATE, Algorithm::HS256),
                Err("RS512"),
            ),
            (
                "no sub",
                sign(serde_json::json!({"exp": NOW + 60}), PRIVATE, Algorithm::RS512),
                Err("no `sub`"),
            ),
            ("not a JWT", "hello".to_owned(), Err("not a JWT")),
            ("empty", String::new(), Err("not a JWT")),
            ("too long", "a".repeat(MAX_JWT_BYTES + 1), Err("too long")),
        ];
        for (name, jwt, expected) in table {
            let outcome = verify_jwt(store.directory(), &jwt, NOW);
            match (expected, outcome) {
                (Ok(id), Ok(got)) => assert_eq!(id, got, "{name}"),
                (Err(fragment), Err(error)) => {
                    assert_eq!(error.status, axum::http::StatusCode::UNAUTHORIZED, "{name}");
                    assert!(error.message.contains(fragment), "{name}: {}", error.message);
                }
                (expected, outcome) => panic!("{name}: expected {expected:?}, got {outcome:?}"),
            }
        }
    }

    #[test]
    fn a_payload_with_swapped_subject_fails_the_signature() {
        let store = store();
        let jwt = sign(serde_json::json!({"sub": "import-bot", "exp": NOW + 60}), PRIVATE, Algorithm::RS512);
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(br#"{"sub":"retired-bot","exp":1800000060}"#);
        let forged = parts.join(".");
        let error = verify_jwt(store.directory(), &forged, NOW).unwrap_err();
        assert!(error.message.contains("rejected"), "{}", error.message);
    }

    #[test]
    fn sessions_are_typed_and_expire() {
        let mut sessions = Sessions::default();
        let session = sessions.issue(10, TokenKind::Session, Duration::from_secs(60));
        let key_manager = sessions.issue(10, TokenKind::KeyManager, Duration::from_secs(60));
        assert_eq!(sessions.user_of(&session, TokenKind::Session), Ok(10));
        assert!(sessions.user_of(&session, TokenKind::KeyManager).is_err());
        assert_eq!(sessions.user_of(&key_manager, TokenKind::KeyManager), Ok(10));
        let short = sessions.issue(10, TokenKind::Session, Duration::ZERO);
        assert!(sessions.user_of(&short, TokenKind::Session).unwrap_err().message.contains("expired"));
        let forever = sessions.issue(10, TokenKind::Session, Duration::MAX);
        assert_eq!(sessions.user_of(&forever, TokenKind::Session), Ok(10), "an unrepresentable lifetime does not expire at once");
        assert_eq!(sessions.expire_all(), 3, "the expired one was purged when `forever` was issued");
        assert!(sessions.user_of(&session, TokenKind::Session).is_err());
    }
}
