//! One error type for the server, with the HTTP answer each variant gives. Messages name what
//! was wrong and never carry a secret, a token or a transcript.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use session_processing::livekit::LiveKitError;
use session_processing::{LayoutError, ProcessingError};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A setting is missing or malformed (start-up).
    #[error("configuration: {0}")]
    Config(String),
    /// The request is malformed: a field, a JSON body.
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or wrong ones.
    #[error("{0}")]
    Unauthorized(String),
    /// Unknown session — also what a caller gets for a session that is not theirs to see.
    #[error("no such session")]
    NotFound,
    /// The session is not in a state that allows the call (e.g. ending a processed session).
    #[error("{0}")]
    Conflict(String),
    /// A webhook delivery that failed verification: carries LiveKit's typed error.
    #[error("{0}")]
    Webhook(#[from] LiveKitError),
    /// The library refused or failed.
    #[error("{0}")]
    Processing(#[from] ProcessingError),
    /// LiveKit's server API answered with an error or could not be reached.
    #[error("LiveKit {call}: {reason}")]
    LiveKit { call: &'static str, reason: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("job queue: {0}")]
    Queue(String),
}

/// A session id the library refuses is its `input` error, as before the id moved to
/// `session_layout`.
impl From<LayoutError> for ServerError {
    fn from(error: LayoutError) -> Self {
        ServerError::Processing(error.into())
    }
}

impl ServerError {
    pub fn config(error: impl std::fmt::Display) -> Self {
        ServerError::Config(error.to_string())
    }

    /// A stable code for callers and for `session_events`.
    pub fn code(&self) -> String {
        match self {
            ServerError::Config(_) => "config".into(),
            ServerError::BadRequest(_) => "bad_request".into(),
            ServerError::Unauthorized(_) => "unauthorized".into(),
            ServerError::NotFound => "not_found".into(),
            ServerError::Conflict(_) => "conflict".into(),
            ServerError::Webhook(e) => format!("webhook.{}", e.code()),
            ServerError::Processing(e) => e.code(),
            ServerError::LiveKit { .. } => "livekit".into(),
            ServerError::Database(_) => "database".into(),
            ServerError::Queue(_) => "queue".into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServerError::NotFound => StatusCode::NOT_FOUND,
            ServerError::Conflict(_) => StatusCode::CONFLICT,
            ServerError::Webhook(e) => StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            ServerError::Processing(e) if e.kind() == "input" => StatusCode::BAD_REQUEST,
            ServerError::LiveKit { .. } => StatusCode::BAD_GATEWAY,
            ServerError::Database(_) | ServerError::Queue(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ServerError {
    /// `{"error": {"code": …, "message": …}}`. Database and queue details stay in the log.
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ServerError::Database(_) | ServerError::Queue(_) => {
                tracing::error!(error = %self, "request failed");
                "the service is temporarily unavailable; retry shortly".to_string()
            }
            other => other.to_string(),
        };
        (status, Json(json!({ "error": { "code": self.code(), "message": message } }))).into_response()
    }
}
