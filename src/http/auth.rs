//! Who may write: `Authorization: Bearer <key>` with one of the keys in `KRISPYTO_API_KEYS`.
//! Reads stay public.

use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::ApiError;

/// The accepted keys, kept only as SHA-256 digests: comparing fixed-length digests in
/// constant time reveals neither a key's content nor its length through timing.
#[derive(Clone, Default)]
pub struct ApiKeys(Arc<[[u8; 32]]>);

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} keys)", self.0.len())
    }
}

impl ApiKeys {
    /// Keys as configured: blanks around them and empty entries are ignored.
    pub fn new<I, S>(keys: I) -> ApiKeys
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let digests: Vec<[u8; 32]> = keys
            .into_iter()
            .map(|key| key.as_ref().trim().to_owned())
            .filter(|key| !key.is_empty())
            .map(|key| Sha256::digest(key.as_bytes()).into())
            .collect();
        ApiKeys(digests.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `key` is one of the keys. Every configured key is compared, whatever matches.
    fn accepts(&self, key: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        self.0
            .iter()
            .fold(subtle::Choice::from(0), |found, known| {
                found | known.ct_eq(&digest)
            })
            .into()
    }

    /// `Ok` when the request may write; otherwise the answer to give: 403 when writes are
    /// not enabled at all, 401 (with `WWW-Authenticate`) for a missing or wrong key.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        if self.is_empty() {
            return Err(ApiError::Forbidden(
                "Writes are disabled on this server: no API keys are configured. To enable them, \
                 start the server with KRISPYTO_API_KEYS (or --api-keys) set to one or more \
                 comma-separated secret keys, then send 'Authorization: Bearer <key>'."
                    .into(),
            ));
        }
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        let (message, challenge) = match presented {
            None => (
                "This route needs an API key: send 'Authorization: Bearer <key>' with a key the \
                 server's operator configured in KRISPYTO_API_KEYS.",
                "Bearer realm=\"krispyto\"",
            ),
            Some(key) if self.accepts(key) => return Ok(()),
            Some(_) => (
                "The API key is not valid: check the key sent in 'Authorization: Bearer <key>' \
                 against the ones configured in KRISPYTO_API_KEYS.",
                "Bearer realm=\"krispyto\", error=\"invalid_token\"",
            ),
        };
        Err(ApiError::Unauthorized {
            message: message.into(),
            challenge,
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, StatusCode};

    use super::*;

    fn bearer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_configured_keys_pass() {
        let keys = ApiKeys::new([" alpha ", "", "beta"]);
        assert!(keys.authorize(&bearer("Bearer alpha")).is_ok());
        assert!(keys.authorize(&bearer("bearer beta")).is_ok());
        let refused = |headers: &HeaderMap| keys.authorize(headers).unwrap_err().status();
        assert_eq!(refused(&bearer("Bearer alph")), StatusCode::UNAUTHORIZED);
        assert_eq!(refused(&bearer("Basic alpha")), StatusCode::UNAUTHORIZED);
        assert_eq!(refused(&HeaderMap::new()), StatusCode::UNAUTHORIZED);
        let none = ApiKeys::new(["", " "]);
        assert_eq!(
            none.authorize(&bearer("Bearer alpha"))
                .unwrap_err()
                .status(),
            StatusCode::FORBIDDEN
        );
    }
}
