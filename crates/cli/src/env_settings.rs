//! S3 settings from the environment: the CLI is one of the few places that reads it.

use session_processing::S3Settings;

/// `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, plus
/// `S3_ENDPOINT`, `S3_FORCE_PATH_STYLE` (`true`/`false`, default true when an endpoint is set)
/// and `S3_TIMEOUT_S` (seconds one request and its retries may take, default 30).
pub fn s3_settings() -> Result<S3Settings, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let endpoint = var("S3_ENDPOINT");
    let force_path_style = match var("S3_FORCE_PATH_STYLE").as_deref() {
        None => endpoint.is_some(),
        Some("1" | "true" | "yes") => true,
        Some("0" | "false" | "no") => false,
        Some(other) => {
            return Err(format!("S3_FORCE_PATH_STYLE is \"{other}\"; use true or false"));
        }
    };
    if var("AWS_ACCESS_KEY_ID").is_some() != var("AWS_SECRET_ACCESS_KEY").is_some() {
        return Err("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither".into());
    }
    let timeout_s = match var("S3_TIMEOUT_S") {
        None => None,
        Some(text) => Some(text.trim().parse::<f64>().map_err(|_| {
            format!("S3_TIMEOUT_S is \"{}\"; give a number of seconds", session_processing::escape_controls(&text))
        })?),
    };
    Ok(S3Settings {
        region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
        endpoint,
        access_key_id: var("AWS_ACCESS_KEY_ID"),
        secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
        session_token: var("AWS_SESSION_TOKEN"),
        force_path_style,
        timeout_s,
    })
}
