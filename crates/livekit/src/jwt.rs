//! The few JWT pieces LiveKit uses: HS256 compact tokens, signed and checked with ring.
//! Only what LiveKit's servers and SDKs emit is accepted (RFC 7519 with `alg: HS256`).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ring::hmac;
use serde_json::{Map, Value};

use super::error::{LiveKitError, shown};

/// base64url without padding (RFC 7515); padding is tolerated when decoding.
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Longest token accepted: LiveKit's are a few hundred bytes; this bounds the work a stranger
/// can ask for.
pub(crate) const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Signs `claims` as an HS256 JWT.
pub(crate) fn sign_hs256(claims: &Map<String, Value>, secret: &str) -> String {
    let header = serde_json::json!({ "alg": "HS256", "typ": "JWT" });
    let signing_input = format!("{}.{}", encode_json(&header), encode_json(&Value::Object(claims.clone())));
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let signature = hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", BASE64_URL.encode(signature.as_ref()))
}

fn encode_json(value: &Value) -> String {
    BASE64_URL.encode(value.to_string().as_bytes())
}

/// A compact JWT split and decoded, signature not yet checked.
pub(crate) struct UnverifiedToken<'a> {
    signing_input: &'a str,
    signature: Vec<u8>,
    /// The payload's claims.
    pub claims: Map<String, Value>,
}

impl<'a> UnverifiedToken<'a> {
    /// Splits `token`, checks that the header says HS256 and decodes the claims.
    pub fn parse(token: &'a str) -> Result<Self, LiveKitError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(LiveKitError::token(format!(
                "it is {} bytes long; LiveKit tokens are well under {MAX_TOKEN_BYTES}",
                token.len()
            )));
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LiveKitError::token(
                "a JWT has three dot-separated parts (header.payload.signature); pass the header's value as it arrived",
            ));
        };
        let header = decode_object("header", header)?;
        match header.get("alg") {
            Some(Value::String(alg)) if alg == "HS256" => {}
            Some(Value::String(alg)) => return Err(LiveKitError::UnsupportedAlgorithm { alg: shown(alg, 20) }),
            _ => return Err(LiveKitError::token("its header names no signing algorithm (alg)")),
        }
        let claims = decode_object("payload", payload)?;
        let signature = decode_canonical_signature(signature)?;
        let signing_input = &token[..header_and_payload_len(token)];
        Ok(UnverifiedToken { signing_input, signature, claims })
    }

    /// Checks the HMAC-SHA256 signature against `secret`, in constant time.
    pub fn verify_signature(&self, secret: &str) -> Result<(), LiveKitError> {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        hmac::verify(&key, self.signing_input.as_bytes(), &self.signature).map_err(|_| LiveKitError::BadSignature)
    }

    /// A string claim, `None` when absent; any other type is a malformed token.
    pub fn string_claim(&self, name: &str) -> Result<Option<&str>, LiveKitError> {
        match self.claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(LiveKitError::token(format!("its {name} claim is not a string"))),
        }
    }

    /// A NumericDate claim (Unix seconds; fractions are truncated), `None` when absent.
    pub fn time_claim(&self, name: &str) -> Result<Option<i64>, LiveKitError> {
        match self.claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.is_finite() && f.abs() < 1e15).map(|f| f.trunc() as i64))
                .map(Some)
                .ok_or_else(|| LiveKitError::token(format!("its {name} claim is not a Unix time"))),
            Some(_) => Err(LiveKitError::token(format!("its {name} claim is not a number of seconds"))),
        }
    }
}

/// The signature, accepted only in its one canonical spelling (RFC 7515: base64url, no padding,
/// zero trailing bits), so that a token has exactly one valid form and a replayed token cannot be
/// re-spelled to look new.
fn decode_canonical_signature(signature: &str) -> Result<Vec<u8>, LiveKitError> {
    let decoded = BASE64_URL.decode(signature).map_err(|_| LiveKitError::token("its signature is not base64url"))?;
    if BASE64_URL.encode(&decoded) != signature {
        return Err(LiveKitError::token(
            "its signature is not in canonical base64url (no padding, no stray bits); JWT libraries never write it that way",
        ));
    }
    Ok(decoded)
}

fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

fn decode_object(part: &str, encoded: &str) -> Result<Map<String, Value>, LiveKitError> {
    let bytes = BASE64_URL.decode(encoded).map_err(|_| LiveKitError::token(format!("its {part} is not base64url")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(LiveKitError::token(format!("its {part} is not a JSON object"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Map<String, Value> {
        serde_json::json!({ "iss": "APIkey", "exp": 2_000_000_000i64 }).as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn signs_and_verifies() {
        let token = sign_hs256(&claims(), "secret");
        assert_eq!(token.split('.').count(), 3);
        assert!(!token.contains('='), "base64url without padding: {token}");
        let parsed = UnverifiedToken::parse(&token).expect("parses");
        parsed.verify_signature("secret").expect("verifies");
        assert_eq!(parsed.verify_signature("other"), Err(LiveKitError::BadSignature));
        assert_eq!(parsed.string_claim("iss").ok().flatten(), Some("APIkey"));
        assert_eq!(parsed.time_claim("exp").ok().flatten(), Some(2_000_000_000));
    }

    #[test]
    fn a_known_hs256_vector_verifies() {
        // Computed with PyJWT 2.15: jwt.encode({"iss": "k"}, "s", algorithm="HS256")
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJrIn0.liPN-jaHGm1yv3GbZ_AOCeCe1jag1m-1uhCdpqUBo24";
        let parsed = UnverifiedToken::parse(token).expect("parses");
        assert!(parsed.verify_signature("s").is_ok());
        assert_eq!(parsed.verify_signature("t"), Err(LiveKitError::BadSignature));
    }

    #[test]
    fn a_signature_in_a_non_canonical_spelling_is_rejected() {
        let token = sign_hs256(&claims(), "secret");
        let (signing_input, signature) = token.rsplit_once('.').expect("three parts");
        assert!(UnverifiedToken::parse(&token).expect("canonical").verify_signature("secret").is_ok());
        // 32 bytes are 43 base64url characters: the last carries 2 bits that must be zero.
        let last = signature.chars().last().expect("a character");
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let index = alphabet.find(last).expect("base64url");
        let stray_bits = alphabet.chars().nth(index | 1).expect("in range");
        let padded = format!("{signing_input}.{signature}=");
        let with_stray_bits = format!("{signing_input}.{}{stray_bits}", &signature[..signature.len() - 1]);
        for respelled in [padded, with_stray_bits] {
            assert!(
                matches!(UnverifiedToken::parse(&respelled), Err(LiveKitError::MalformedToken { .. })),
                "{respelled}"
            );
        }
    }

    #[test]
    fn rejects_other_algorithms_and_shapes() {
        let none = format!("{}.{}.", encode_json(&serde_json::json!({"alg": "none"})), encode_json(&claims().into()));
        assert!(
            matches!(UnverifiedToken::parse(&none), Err(LiveKitError::UnsupportedAlgorithm { alg }) if alg == "none")
        );
        for bad in ["", "a.b", "a.b.c.d", "!!!.e30.", "e30.e30.AAAA"] {
            assert!(matches!(UnverifiedToken::parse(bad), Err(LiveKitError::MalformedToken { .. })), "{bad:?}");
        }
        assert!(matches!(
            UnverifiedToken::parse(&"a".repeat(MAX_TOKEN_BYTES + 1)),
            Err(LiveKitError::MalformedToken { .. })
        ));
    }
}
