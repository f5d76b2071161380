//! The web page (`crates/server/web/`, built into `WEB_DIR` by `scripts/build-web`): a fixed set
//! of files, read on each request so a rebuilt page shows without a restart.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// The files the page consists of, with their content types.
const FILES: &[(&str, &str)] = &[
    ("index.html", "text/html; charset=utf-8"),
    ("app.js", "text/javascript; charset=utf-8"),
    ("app.js.map", "application/json"),
    ("app.css", "text/css; charset=utf-8"),
];

/// `GET /`: the page.
pub async fn index(State(state): State<AppState>) -> Response {
    serve(&state, "index.html").await
}

/// `GET /{file}`: one of the page's files; anything else is 404.
pub async fn file(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    serve(&state, &name).await
}

async fn serve(state: &AppState, name: &str) -> Response {
    let Some((name, content_type)) = FILES.iter().find(|(file, _)| *file == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let path = state.config.web_dir.join(name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "no-cache")], bytes).into_response()
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "the web page is not built");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!(
                    "The web page is not built ({} is missing). Run scripts/build-web, or set WEB_DIR to the built page.\n",
                    path.display()
                ),
            )
                .into_response()
        }
    }
}
