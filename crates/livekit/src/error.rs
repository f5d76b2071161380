/// Everything the LiveKit glue can reject. Messages name the header, claim or field at fault and
/// say what to do; they never contain the API secret, a token or a signature.
/// [`LiveKitError::http_status`] says what a webhook endpoint should answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveKitError {
    /// No `Authorization` header came with the webhook.
    #[error(
        "the webhook has no Authorization header; LiveKit signs every delivery, so check that a proxy does not drop it"
    )]
    MissingAuthorization,
    /// The `Authorization` header is not a JWT this verifier can read.
    #[error("the Authorization header is not a valid LiveKit token: {why}")]
    MalformedToken { why: String },
    /// The token is signed with something other than HS256 (including `none`).
    #[error("the token is signed with {alg:?}; LiveKit signs webhooks with HS256 only, so this one is rejected")]
    UnsupportedAlgorithm { alg: String },
    /// The token's signature does not match the API secret.
    #[error(
        "the token's signature does not match the API secret; check that the verifier holds the secret paired with the webhook's api_key"
    )]
    BadSignature,
    /// The token was issued for another API key (`iss`). Only the key the request claimed is
    /// named; the verifier's own key never goes into a message a stranger can provoke.
    #[error(
        "the token was issued for API key {found:?}, which is not this verifier's key; set the verifier's key to the one in livekit-server's `webhook.api_key`"
    )]
    WrongIssuer { found: String },
    /// The token's `exp` (plus the leeway) has passed.
    #[error(
        "the token expired at Unix time {expired_at_s} (now {now_s}, leeway {leeway_s} s); check this machine's clock, or the delivery was replayed"
    )]
    Expired { expired_at_s: i64, now_s: i64, leeway_s: i64 },
    /// The token's `nbf` (minus the leeway) is still in the future.
    #[error(
        "the token is not valid before Unix time {not_before_s} (now {now_s}, leeway {leeway_s} s); check this machine's clock"
    )]
    NotYetValid { not_before_s: i64, now_s: i64, leeway_s: i64 },
    /// The token carries no `sha256` claim, so it does not vouch for any body.
    #[error(
        "the token has no sha256 claim, so it does not sign a webhook body; is it an access token rather than a webhook?"
    )]
    MissingBodyHash,
    /// The body is not the one the token signed (altered in transit, or re-encoded by a framework).
    #[error(
        "the body's SHA-256 differs from the token's sha256 claim; pass the raw request bytes, not JSON a framework parsed and re-encoded"
    )]
    BodyHashMismatch,
    /// The `Content-Type` is not a webhook's.
    #[error("the Content-Type is {}; LiveKit sends application/webhook+json (application/json is accepted too)", found.as_deref().map(|f| format!("{f:?}")).unwrap_or_else(|| "missing".into()))]
    WrongContentType { found: Option<String> },
    /// The body is larger than the verifier accepts.
    #[error(
        "the body is {size} bytes; the limit is {limit} bytes (raise it with WebhookVerifier::with_max_body_bytes)"
    )]
    BodyTooLarge { size: usize, limit: usize },
    /// The body is signed but is not a LiveKit event: `field` is where it went wrong.
    #[error("the webhook event is malformed at `{field}`: {why}")]
    MalformedEvent { field: String, why: String },
    /// An egress ended without a file to process.
    #[error(
        "egress {egress_id:?} ended with status {status} but lists no file result; request a file output (fileOutputs)"
    )]
    NoRecordingFile { egress_id: String, status: String },
    /// An egress was asked for its outcome before it ended.
    #[error("egress {egress_id:?} has status {status}, which is not an ending; wait for egress_ended")]
    EgressNotEnded { egress_id: String, status: String },
    /// The recording's key or path cannot become a pipeline input.
    #[error("the egress file {file:?} cannot be used: {why}")]
    InvalidRecordingFile { file: String, why: String },
    /// Neither the recording's key nor the room name gives a valid session id.
    #[error("no valid session id for egress {egress_id:?}: {why}")]
    InvalidSessionId { egress_id: String, why: String },
    /// A builder was given an unusable setting (empty key, bad URL, bucket name).
    #[error("invalid LiveKit configuration: {0}")]
    Config(String),
}

impl LiveKitError {
    /// The HTTP status a webhook endpoint should answer with: 401 for authentication failures,
    /// 400 for a malformed event, 413 for an oversized body, 415 for a wrong content type, 422
    /// for an egress that gives nothing to process, 500 for a configuration error on our side.
    /// LiveKit retries a delivery that gets no 2xx, so an endpoint that verified the event but
    /// found nothing to process (the 422s) may rather log it and answer 200.
    pub fn http_status(&self) -> u16 {
        match self {
            LiveKitError::MissingAuthorization
            | LiveKitError::MalformedToken { .. }
            | LiveKitError::UnsupportedAlgorithm { .. }
            | LiveKitError::BadSignature
            | LiveKitError::WrongIssuer { .. }
            | LiveKitError::Expired { .. }
            | LiveKitError::NotYetValid { .. }
            | LiveKitError::MissingBodyHash
            | LiveKitError::BodyHashMismatch => 401,
            LiveKitError::MalformedEvent { .. } => 400,
            LiveKitError::BodyTooLarge { .. } => 413,
            LiveKitError::WrongContentType { .. } => 415,
            LiveKitError::NoRecordingFile { .. }
            | LiveKitError::EgressNotEnded { .. }
            | LiveKitError::InvalidRecordingFile { .. }
            | LiveKitError::InvalidSessionId { .. } => 422,
            LiveKitError::Config(_) => 500,
        }
    }

    /// A stable, machine-readable code (`livekit.bad_signature`, `livekit.malformed_event`, …)
    /// for bindings and logs.
    pub fn code(&self) -> &'static str {
        match self {
            LiveKitError::MissingAuthorization => "livekit.missing_authorization",
            LiveKitError::MalformedToken { .. } => "livekit.malformed_token",
            LiveKitError::UnsupportedAlgorithm { .. } => "livekit.unsupported_algorithm",
            LiveKitError::BadSignature => "livekit.bad_signature",
            LiveKitError::WrongIssuer { .. } => "livekit.wrong_issuer",
            LiveKitError::Expired { .. } => "livekit.expired",
            LiveKitError::NotYetValid { .. } => "livekit.not_yet_valid",
            LiveKitError::MissingBodyHash => "livekit.missing_body_hash",
            LiveKitError::BodyHashMismatch => "livekit.body_hash_mismatch",
            LiveKitError::WrongContentType { .. } => "livekit.wrong_content_type",
            LiveKitError::BodyTooLarge { .. } => "livekit.body_too_large",
            LiveKitError::MalformedEvent { .. } => "livekit.malformed_event",
            LiveKitError::NoRecordingFile { .. } => "livekit.no_recording_file",
            LiveKitError::EgressNotEnded { .. } => "livekit.egress_not_ended",
            LiveKitError::InvalidRecordingFile { .. } => "livekit.invalid_recording_file",
            LiveKitError::InvalidSessionId { .. } => "livekit.invalid_session_id",
            LiveKitError::Config(_) => "livekit.config",
        }
    }

    /// True for the failures that mean "this request is not from our LiveKit" (HTTP 401).
    pub fn is_unauthorized(&self) -> bool {
        self.http_status() == 401
    }

    pub(crate) fn malformed(field: impl Into<String>, why: impl Into<String>) -> Self {
        LiveKitError::MalformedEvent { field: field.into(), why: why.into() }
    }

    pub(crate) fn token(why: impl Into<String>) -> Self {
        LiveKitError::MalformedToken { why: why.into() }
    }
}

/// Refuses an empty API key or secret: `what` ("a webhook verifier", "an access token", …) says
/// which part of the glue was given them.
pub(crate) fn require_key_pair(what: &str, api_key: &str, api_secret: &str) -> Result<(), LiveKitError> {
    if api_key.trim().is_empty() || api_secret.is_empty() {
        return Err(LiveKitError::Config(format!(
            "{what} needs the API key and secret, and one is empty (LIVEKIT_API_KEY / LIVEKIT_API_SECRET)"
        )));
    }
    Ok(())
}

/// At most `max` characters of untrusted text, escaped, for an error message.
pub(crate) fn shown(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).flat_map(char::escape_default).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}
