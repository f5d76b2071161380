use std::sync::Arc;

use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::signer::Signer;
use object_store::{ClientConfigKey, ObjectStore, RetryConfig};
use serde::{Deserialize, Serialize};

use crate::ProcessingError;

/// How to reach S3 or an S3-compatible server. Fields left `None` fall back to the standard AWS
/// chain (`AWS_*` environment variables, web identity, instance metadata).
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct S3Settings {
    pub region: Option<String>,
    /// Custom endpoint for S3-compatible servers, e.g. `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need.
    pub force_path_style: bool,
    /// Longest wait, in seconds, for one request and the retries of a failed one (default
    /// [`S3Settings::DEFAULT_TIMEOUT_S`]): an endpoint that accepts connections and never
    /// answers fails a run within about this time instead of minutes.
    #[serde(default)]
    pub timeout_s: Option<f64>,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets.
        f.debug_struct("S3Settings")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id.as_ref().map(|_| "<set>"))
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "<set>"))
            .field("force_path_style", &self.force_path_style)
            .field("timeout_s", &self.timeout_s)
            .finish()
    }
}

impl S3Settings {
    /// The settings the usual variables give, read through `var` (a variable's value, or `None`;
    /// empty values count as unset): `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, plus `S3_ENDPOINT`, `S3_FORCE_PATH_STYLE`
    /// (`true`/`false`, default true when an endpoint is set) and `S3_TIMEOUT_S`. The CLI and the
    /// platform server pass their environment; an error names the variable.
    pub fn from_variables(var: impl Fn(&str) -> Option<String>) -> Result<Self, ProcessingError> {
        let var = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let invalid = |message: String| ProcessingError::Config(message);
        let endpoint = var("S3_ENDPOINT");
        let force_path_style = match var("S3_FORCE_PATH_STYLE").as_deref() {
            None => endpoint.is_some(),
            Some("1" | "true" | "yes") => true,
            Some("0" | "false" | "no") => false,
            Some(other) => {
                return Err(invalid(format!(
                    "S3_FORCE_PATH_STYLE is \"{}\"; use true or false",
                    session_media::escape_controls(other)
                )));
            }
        };
        if var("AWS_ACCESS_KEY_ID").is_some() != var("AWS_SECRET_ACCESS_KEY").is_some() {
            return Err(invalid("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither".into()));
        }
        let timeout_s = match var("S3_TIMEOUT_S") {
            None => None,
            Some(text) => Some(text.parse::<f64>().map_err(|_| {
                invalid(format!(
                    "S3_TIMEOUT_S is \"{}\"; give a number of seconds",
                    session_media::escape_controls(&text)
                ))
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

    /// The request timeout when `timeout_s` is not set.
    pub const DEFAULT_TIMEOUT_S: f64 = 30.0;
    /// The longest `timeout_s` accepted (an hour).
    pub const MAX_TIMEOUT_S: f64 = 3600.0;

    /// The bound on one request and its retries: `timeout_s`, or 30 s.
    pub fn timeout(&self) -> Result<Duration, ProcessingError> {
        let seconds = self.timeout_s.unwrap_or(Self::DEFAULT_TIMEOUT_S);
        if !(seconds.is_finite() && seconds > 0.0 && seconds <= Self::MAX_TIMEOUT_S) {
            return Err(ProcessingError::OutOfRange {
                field: "S3 timeout_s".into(),
                value: seconds.to_string(),
                expected: format!("a number of seconds above 0 and at most {}", Self::MAX_TIMEOUT_S),
            });
        }
        Ok(Duration::from_secs_f64(seconds))
    }

    /// An object store for `bucket` with these settings.
    pub(crate) fn store(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>, ProcessingError> {
        Ok(Arc::new(self.amazon_s3(bucket)?))
    }

    /// A URL that lets whoever holds it GET `key` in `bucket` for `expires_in`, signed with
    /// these credentials (AWS Signature V4, computed here: no request is made).
    pub async fn presigned_get_url(
        &self,
        bucket: &str,
        key: &str,
        expires_in: Duration,
    ) -> Result<String, ProcessingError> {
        let s3 = self.amazon_s3(bucket)?;
        let url = s3
            .signed_url(http::Method::GET, &object_store::path::Path::from(key), expires_in)
            .await
            .map_err(|e| ProcessingError::Config(format!("cannot sign a link to s3://{bucket}/{key}: {e}")))?;
        Ok(url.to_string())
    }

    fn amazon_s3(&self, bucket: &str) -> Result<AmazonS3, ProcessingError> {
        let timeout = self.timeout()?;
        // object_store retries a timed-out request for up to 180 s by default; the retries end
        // with the timeout too, so a silent endpoint costs about `timeout`, not minutes.
        let retry = RetryConfig { retry_timeout: timeout, ..RetryConfig::default() };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), format!("{}ms", timeout.as_millis()))
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                format!("{}ms", timeout.min(Duration::from_secs(5)).as_millis()),
            )
            .with_retry(retry);
        if let Some(region) = &self.region {
            builder = builder.with_region(region);
        }
        if let Some(endpoint) = &self.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(id), Some(secret)) = (&self.access_key_id, &self.secret_access_key) {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret);
            if let Some(token) = &self.session_token {
                builder = builder.with_token(token);
            }
        }
        if self.force_path_style {
            builder = builder.with_virtual_hosted_style_request(false);
        }
        builder
            .build()
            .map_err(|e| ProcessingError::Config(format!("cannot configure S3 access to bucket {bucket}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_defaults_to_30_s_and_is_checked() {
        assert_eq!(S3Settings::default().timeout().unwrap(), Duration::from_secs(30));
        let settings = |t: f64| S3Settings { timeout_s: Some(t), ..S3Settings::default() };
        assert_eq!(settings(1.5).timeout().unwrap(), Duration::from_millis(1500));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            let error = settings(bad).timeout().unwrap_err();
            assert_eq!(error.code(), "input.out_of_range", "{bad}");
            assert!(error.to_string().contains("timeout_s"), "{error}");
        }
    }
}
