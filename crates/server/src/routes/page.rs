//! The web page (`crates/server/web/`, built into `WEB_DIR` by `scripts/build-web`): a fixed set
//! of files (TensorFlow.js's `.wasm` files among them) plus the bundler's `chunk-<hash>.js` files
//! (code loaded on first use, such as the nudity model's weights), read on each request so a
//! rebuilt page shows without a restart.

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
    // TensorFlow.js's WebAssembly backend (the in-browser nudity check).
    ("tfjs-backend-wasm.wasm", "application/wasm"),
    ("tfjs-backend-wasm-simd.wasm", "application/wasm"),
    ("tfjs-backend-wasm-threaded-simd.wasm", "application/wasm"),
];

/// `GET /`: the page.
pub async fn index(State(state): State<AppState>) -> Response {
    serve(&state, "index.html").await
}

/// `GET /{file}`: one of the page's files; anything else is 404.
pub async fn file(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    serve(&state, &name).await
}

/// The content type of one of the page's files; `None` for any other name.
fn content_type(name: &str) -> Option<&'static str> {
    if let Some((_, content_type)) = FILES.iter().find(|(file, _)| *file == name) {
        return Some(content_type);
    }
    let hash = name.strip_prefix("chunk-")?;
    let (hash, content_type) = match hash.strip_suffix(".js.map") {
        Some(hash) => (hash, "application/json"),
        None => (hash.strip_suffix(".js")?, "text/javascript; charset=utf-8"),
    };
    (!hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric())).then_some(content_type)
}

async fn serve(state: &AppState, name: &str) -> Response {
    let Some(content_type) = content_type(name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let path = state.config.web_dir.join(name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], bytes).into_response()
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

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn only_the_pages_files_and_bundler_chunks_are_served() {
        assert_eq!(content_type("index.html"), Some("text/html; charset=utf-8"));
        assert_eq!(content_type("chunk-6JEG3LPC.js"), Some("text/javascript; charset=utf-8"));
        assert_eq!(content_type("chunk-6JEG3LPC.js.map"), Some("application/json"));
        for refused in ["chunk-.js", "chunk-../x.js", "chunk-a/b.js", "Cargo.toml", "chunk-A.css", ".env", "app.ts"] {
            assert_eq!(content_type(refused), None, "{refused}");
        }
    }
}
