//! Authentication as the BDK does it: an RS512 JWT `{"sub": username, "exp": now + 240 s}` (no other claim),
//! the same JWT posted to `/login/pubkey/authenticate` and `/relay/pubkey/authenticate`, and the two tokens
//! kept until the Agent answers 401.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// The BDK's JWT lifetime (`DEFAULT_EXPIRATION_SECONDS = 5 * 50 - 10`); the pod refuses more than 5 minutes.
pub const JWT_LIFETIME_SECONDS: u64 = 240;

/// Reads a PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`) PEM private key.
///
/// # Errors
/// A message saying what the text is instead.
pub fn read_private_key(pem: &str) -> Result<EncodingKey, String> {
    if pem.contains("BEGIN PUBLIC KEY") || pem.contains("BEGIN RSA PUBLIC KEY") {
        return Err("this is a public key; `bot.privateKey` needs the service user's private key".into());
    }
    if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
        return Err("the private key is encrypted with a passphrase; give an unencrypted PKCS#1 or PKCS#8 key".into());
    }
    EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|error| format!("not an RSA private key in PEM (PKCS#1 or PKCS#8): {error}"))
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: u64,
}

/// Signs the JWTs of one service user.
#[derive(Clone)]
pub struct Authenticator {
    username: String,
    key: EncodingKey,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Authenticator").field("username", &self.username).finish_non_exhaustive()
    }
}

impl Authenticator {
    /// # Errors
    /// As [`read_private_key`].
    pub fn new(username: &str, private_key_pem: &str) -> Result<Authenticator, String> {
        Ok(Authenticator { username: username.to_owned(), key: read_private_key(private_key_pem)? })
    }

    /// The service user's name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// A JWT valid for [`JWT_LIFETIME_SECONDS`] from `now_seconds`.
    ///
    /// # Errors
    /// When signing fails (a key jsonwebtoken read but cannot use).
    pub fn jwt(&self, now_seconds: u64) -> Result<String, String> {
        let claims = Claims { sub: &self.username, exp: now_seconds + JWT_LIFETIME_SECONDS };
        jsonwebtoken::encode(&Header::new(Algorithm::RS512), &claims, &self.key)
            .map_err(|error| format!("cannot sign the JWT: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    const PKCS8: &str = include_str!("../tests/fixtures/service-user.key.pem");
    const PKCS1: &str = include_str!("../tests/fixtures/service-user.pkcs1.pem");
    const PUBLIC: &str = include_str!("../tests/fixtures/service-user.pub.pem");

    #[test]
    fn jwts_carry_exactly_sub_and_exp_and_verify_with_the_public_key() {
        for pem in [PKCS8, PKCS1] {
            let jwt = Authenticator::new("import-bot", pem).unwrap().jwt(1_800_000_000).unwrap();
            let header = jsonwebtoken::decode_header(&jwt).unwrap();
            assert_eq!(header.alg, Algorithm::RS512);
            let mut validation = Validation::new(Algorithm::RS512);
            validation.validate_exp = false;
            let key = DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).unwrap();
            let claims = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &validation).unwrap().claims;
            assert_eq!(claims, serde_json::json!({"sub": "import-bot", "exp": 1_800_000_240u64}));
        }
    }

    #[test]
    fn public_encrypted_and_garbage_keys_are_refused_with_a_reason() {
        let refusal = |pem: &str| read_private_key(pem).err().unwrap_or_default();
        assert!(refusal(PUBLIC).contains("public key"));
        assert!(refusal("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n").contains("encrypted"));
        assert!(refusal("hello").contains("not an RSA private key"));
    }
}
