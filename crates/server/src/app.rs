//! The HTTP application: shared state and the routes.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use session_processing::livekit::WebhookVerifier;
use session_processing::{ProcessorConfig, SessionProcessor};
use sqlx::PgPool;

use crate::config::ServerConfig;
use crate::error::ServerError;
use crate::livekit_calls::LiveKitCalls;
use crate::metrics::Metrics;
use crate::room_monitor::RoomMonitors;
use crate::routes::{ops, page, sessions, webhook};

/// Largest request body read (the webhook verifier refuses more than 1 MiB itself, with 413).
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<ServerConfig>,
    pub verifier: Arc<WebhookVerifier>,
    pub livekit: LiveKitCalls,
    /// A processor without models: stores realtime safety events where processing writes.
    pub recorder: SessionProcessor,
    pub metrics: Arc<Metrics>,
    /// The hidden participants this process runs in live rooms (`REALTIME_MONITOR=on`).
    pub monitors: Arc<RoomMonitors>,
}

impl AppState {
    pub fn new(pool: PgPool, config: Arc<ServerConfig>, metrics: Arc<Metrics>) -> Result<Self, ServerError> {
        let recorder = ProcessorConfig {
            whisper_model: None,
            vad_model: None,
            nudity_model: None,
            gemini_api_key: Some(String::new()),
            ..config.processor.clone()
        }
        .builder()?
        .build();
        Ok(AppState {
            verifier: Arc::new(config.livekit.verifier()?),
            livekit: LiveKitCalls::new(&config.livekit)?,
            pool,
            config,
            recorder,
            metrics,
            monitors: Arc::default(),
        })
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/sessions", post(sessions::start).get(sessions::list))
        .route("/api/sessions/{id}", get(sessions::get))
        .route("/api/sessions/{id}/end", post(sessions::end))
        .route("/api/sessions/{id}/participants", post(sessions::join))
        .route("/api/sessions/{id}/safety-events", post(sessions::safety_event))
        .route("/api/sessions/{id}/artifacts/{*name}", get(sessions::artifact))
        .route("/api/livekit/webhook", post(webhook::receive))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/", get(page::index))
        .route("/{file}", get(page::file))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
