//! Application tokens for Graph: the client-credentials grant with a secret or a certificate (a client
//! assertion, RS256, naming the certificate by its SHA-256 thumbprint `x5t#S256`, as Entra documents for
//! certificate credentials), and when a token is to be replaced.
//!
//! A token is replaced before it expires: once less than [`refresh_margin`] of its lifetime is left, so no
//! request ever leaves with a token about to lapse in flight. A 401 replaces it at once (once per token, however
//! many requests saw the 401: see the client).

use std::time::{Duration, Instant};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// The assertion type Entra expects with a certificate credential.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of a client assertion (Entra accepts up to 10 minutes).
const ASSERTION_LIFETIME_SECONDS: u64 = 600;
/// Longest margin before expiry at which a token is replaced.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Splits a PEM file into its private key (PEM text, PKCS#8 or PKCS#1) and its first certificate (DER).
///
/// # Errors
/// A message saying which of the two is missing, or that the key is not an RSA key.
pub fn read_certificate_file(text: &str) -> Result<(String, Vec<u8>), String> {
    let blocks = pem::parse_many(text).map_err(|error| format!("not PEM: {error}"))?;
    let key = blocks
        .iter()
        .find(|block| matches!(block.tag(), "PRIVATE KEY" | "RSA PRIVATE KEY"))
        .ok_or("no private key (`BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY`) in the file")?;
    let certificate = blocks
        .iter()
        .find(|block| block.tag() == "CERTIFICATE")
        .ok_or("no certificate (`BEGIN CERTIFICATE`) in the file: give the key and its certificate in one PEM")?;
    let key_pem = pem::encode(key);
    EncodingKey::from_rsa_pem(key_pem.as_bytes()).map_err(|error| format!("the private key is not RSA: {error}"))?;
    Ok((key_pem, certificate.contents().to_vec()))
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

/// Signs client assertions for one application and certificate.
#[derive(Clone)]
pub struct ClientAssertion {
    client_id: String,
    key: EncodingKey,
    thumbprint: String,
}

impl std::fmt::Debug for ClientAssertion {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ClientAssertion").field("thumbprint", &self.thumbprint).finish_non_exhaustive()
    }
}

impl ClientAssertion {
    /// # Errors
    /// When the key is not an RSA private key in PEM.
    pub fn new(client_id: &str, private_key_pem: &str, certificate_der: &[u8]) -> Result<ClientAssertion, String> {
        let key = EncodingKey::from_rsa_pem(private_key_pem.as_bytes())
            .map_err(|error| format!("the private key is not RSA: {error}"))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, certificate_der);
        let thumbprint = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        Ok(ClientAssertion { client_id: client_id.to_owned(), key, thumbprint })
    }

    /// The certificate's `x5t#S256`.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// An assertion for the token endpoint `audience`, valid from `now_seconds` for 10 minutes.
    ///
    /// # Errors
    /// When signing fails.
    pub fn jwt(&self, audience: &str, now_seconds: u64) -> Result<String, String> {
        use rand::RngCore as _;
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let claims = AssertionClaims {
            aud: audience,
            iss: &self.client_id,
            sub: &self.client_id,
            jti: nonce.iter().map(|byte| format!("{byte:02x}")).collect(),
            nbf: now_seconds,
            iat: now_seconds,
            exp: now_seconds + ASSERTION_LIFETIME_SECONDS,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.x5t_s256 = Some(self.thumbprint.clone());
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|error| format!("cannot sign the assertion: {error}"))
    }
}

/// An access token and when it was obtained.
#[derive(Clone)]
pub struct AccessToken {
    /// The bearer token. Never logged.
    pub value: String,
    /// When the answer was read.
    pub obtained: Instant,
    /// `expires_in`.
    pub lifetime: Duration,
    /// Which token this is (0 for the first), so that a 401 replaces each token once.
    pub generation: u64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AccessToken")
            .field("lifetime", &self.lifetime)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// How long before its expiry a token of `lifetime` is replaced: five minutes, or half its lifetime when
/// that is shorter (a token of 10 s is replaced after 5 s).
pub fn refresh_margin(lifetime: Duration) -> Duration {
    MAX_REFRESH_MARGIN.min(lifetime / 2)
}

impl AccessToken {
    /// Whether the token may still be sent at `now`.
    pub fn is_fresh_at(&self, now: Instant) -> bool {
        let age = now.saturating_duration_since(self.obtained);
        age + refresh_margin(self.lifetime) < self.lifetime
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    const FILE: &str = include_str!("../../tests/fixtures/teams-app.pem");
    /// The public key of the certificate in [`FILE`] (`openssl x509 -pubkey`).
    const PUBLIC: &str = include_str!("../../tests/fixtures/teams-app.pub.pem");

    #[test]
    fn tokens_are_replaced_before_they_expire() {
        let start = Instant::now();
        let token = |lifetime_seconds| AccessToken {
            value: String::new(),
            obtained: start,
            lifetime: Duration::from_secs(lifetime_seconds),
            generation: 0,
        };
        // (lifetime, age, still fresh)
        let cases = [
            (3600, 0, true),
            (3600, 3299, true),
            (3600, 3300, false),
            (3600, 4000, false),
            (10, 4, true),
            (10, 5, false),
            (1, 0, true),
            (0, 0, false),
        ];
        for (lifetime, age, fresh) in cases {
            let now = start + Duration::from_secs(age);
            assert_eq!(token(lifetime).is_fresh_at(now), fresh, "lifetime {lifetime} s, age {age} s");
        }
    }

    #[test]
    fn a_client_assertion_names_the_certificate_and_verifies_with_its_key() {
        let (key_pem, certificate_der) = read_certificate_file(FILE).unwrap();
        let assertion = ClientAssertion::new("app-1", &key_pem, &certificate_der).unwrap();
        let jwt = assertion.jwt("https://login.example/t/oauth2/v2.0/token", 1_800_000_000).unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(ring::digest::digest(&ring::digest::SHA256, &certificate_der).as_ref());
        assert_eq!(header.x5t_s256.as_deref(), Some(expected.as_str()));
        assert_eq!(expected.len(), 43);
        // The certificate's public key verifies the signature.
        let public = DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_audience(&["https://login.example/t/oauth2/v2.0/token"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(&jwt, &public, &validation).unwrap().claims;
        assert_eq!(claims["iss"], "app-1");
        assert_eq!(claims["sub"], "app-1");
        assert_eq!(claims["exp"], 1_800_000_600u64);
        assert_eq!(claims["jti"].as_str().map(str::len), Some(32));
    }

    #[test]
    fn files_without_a_key_or_a_certificate_are_refused() {
        let certificate_only: String =
            FILE.split_inclusive('\n').skip_while(|line| !line.contains("BEGIN CERTIFICATE")).collect();
        assert!(read_certificate_file(&certificate_only).unwrap_err().contains("no private key"));
        let key_only: String =
            FILE.split_inclusive('\n').take_while(|line| !line.contains("BEGIN CERTIFICATE")).collect();
        assert!(read_certificate_file(&key_only).unwrap_err().contains("no certificate"));
    }
}
