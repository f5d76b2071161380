//! `S3Settings`: how to reach S3 or an S3-compatible server.

use pyo3::prelude::*;
use session_processing::S3Settings as CoreS3Settings;

/// How to reach S3 or an S3-compatible server (MinIO, moto). Fields left `None` fall back to the
/// standard AWS chain (`AWS_*` environment variables, web identity, instance metadata). The
/// repr never shows secrets.
#[pyclass(name = "S3Settings", module = "session_monitor", frozen)]
#[derive(Clone)]
pub struct S3Settings {
    pub(crate) inner: CoreS3Settings,
}

#[pymethods]
impl S3Settings {
    #[new]
    #[pyo3(signature = (*, endpoint=None, region=None, access_key_id=None, secret_access_key=None, session_token=None, force_path_style=false))]
    fn new(
        endpoint: Option<String>,
        region: Option<String>,
        access_key_id: Option<String>,
        secret_access_key: Option<String>,
        session_token: Option<String>,
        force_path_style: bool,
    ) -> Self {
        Self {
            inner: CoreS3Settings {
                region,
                endpoint,
                access_key_id,
                secret_access_key,
                session_token,
                force_path_style,
                timeout_s: None,
            },
        }
    }

    #[getter]
    fn endpoint(&self) -> Option<String> {
        self.inner.endpoint.clone()
    }

    #[getter]
    fn region(&self) -> Option<String> {
        self.inner.region.clone()
    }

    #[getter]
    fn force_path_style(&self) -> bool {
        self.inner.force_path_style
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}
