//! `renderReport`: report.html rendered again from a stored session's JSON.

use napi::Env;
use napi::bindgen_prelude::{AsyncBlock, AsyncBlockBuilder};
use napi_derive::napi;
use session_processing::{StoredSession, host, write_report};

use crate::errors::to_js_error;
use crate::processor::{S3Options, s3_settings};

/// Renders `report.html` again from `<output>/sessions/<id>` (a folder or `s3://…`) and writes
/// it to `out` (a local file) or, without one, into the session folder; resolves with where it
/// was written, or rejects with an `Error` carrying `code` and `kind`.
#[napi(catch_unwind, ts_return_type = "Promise<string>")]
pub fn render_report(
    env: Env,
    session: String,
    out: Option<String>,
    s3: Option<S3Options>,
) -> napi::Result<AsyncBlock<String>> {
    let s3 = s3.map(s3_settings).unwrap_or_default();
    let run = async move {
        Ok(host::spawn(async move {
            let session = StoredSession::parse(&session)?;
            write_report(&session, &s3, out.as_deref().map(std::path::Path::new)).await
        })
        .await)
    };
    AsyncBlockBuilder::build_with_map(&env, run, |env, outcome| outcome.map_err(|e| to_js_error(&env, &e)))
}
