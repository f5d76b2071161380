use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::{ProcessingError, bucket_name};

/// Where a session's artifacts are written: `<location>/sessions/<sessionId>/…`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputLocation {
    Local { dir: PathBuf },
    S3 { bucket: String, prefix: String },
}

impl OutputLocation {
    /// Parses `s3://bucket[/prefix]` or a local folder.
    pub fn parse(output: &str) -> Result<Self, ProcessingError> {
        match output.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                Ok(OutputLocation::S3 { bucket: bucket_name(bucket)?, prefix: prefix.trim_matches('/').to_string() })
            }
            None if output.trim().is_empty() => Err(ProcessingError::Input("the output folder is empty".into())),
            None => Ok(OutputLocation::Local { dir: PathBuf::from(output) }),
        }
    }
}

impl fmt::Display for OutputLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputLocation::Local { dir } => write!(f, "{}", dir.display()),
            OutputLocation::S3 { bucket, prefix } if prefix.is_empty() => {
                write!(f, "s3://{bucket}")
            }
            OutputLocation::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_outputs() {
        assert_eq!(
            OutputLocation::parse("s3://out/tenant-a/").unwrap(),
            OutputLocation::S3 { bucket: "out".into(), prefix: "tenant-a".into() }
        );
        assert_eq!(OutputLocation::parse("s3://out").unwrap().to_string(), "s3://out");
    }
}
