//! Where a recording is read from, and S3 bucket names.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::LayoutError;

/// Where a recording is read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordingInput {
    /// A file on this machine.
    Local { path: PathBuf },
    /// An object in S3 (or an S3-compatible server), e.g. where LiveKit Egress wrote it.
    S3 { bucket: String, key: String },
}

impl RecordingInput {
    /// Parses `s3://bucket/key` (the bucket may also be given as an ARN: `s3://arn:aws:s3:::bucket/key`
    /// is not valid, so use [`RecordingInput::s3`] for ARNs) or a local path.
    pub fn parse(input: &str) -> Result<Self, LayoutError> {
        match input.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                Self::s3(bucket, key)
            }
            None if input.trim().is_empty() => Err(LayoutError::Input("the input path is empty".into())),
            None => Ok(RecordingInput::Local { path: PathBuf::from(input) }),
        }
    }

    /// An S3 object, with the bucket given as a name or an ARN (`arn:aws:s3:::bucket`).
    pub fn s3(bucket: &str, key: &str) -> Result<Self, LayoutError> {
        let bucket = bucket_name(bucket)?;
        let key = key.trim_start_matches('/');
        if key.is_empty() || key.ends_with('/') {
            return Err(LayoutError::Input(format!(
                "s3://{bucket}/{key} names no object; give the recording's key, e.g. s3://{bucket}/sessions/<id>/recording.mp4"
            )));
        }
        Ok(RecordingInput::S3 { bucket, key: key.to_string() })
    }

    /// The file extension to store the recording under (`mp4` when the input has none).
    pub fn extension(&self) -> String {
        let name = match self {
            RecordingInput::Local { path } => {
                path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
            }
            RecordingInput::S3 { key, .. } => key.rsplit('/').next().unwrap_or_default().to_string(),
        };
        name.rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .filter(|ext| !ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or_else(|| "mp4".into())
    }
}

impl fmt::Display for RecordingInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordingInput::Local { path } => write!(f, "{}", path.display()),
            RecordingInput::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// A bucket name from a name or an S3 ARN (`arn:aws:s3:::my-bucket`), as `RECORDINGS_S3_BUCKET`
/// accepts either.
pub fn bucket_name(name_or_arn: &str) -> Result<String, LayoutError> {
    let trimmed = name_or_arn.trim();
    let name = match trimmed.strip_prefix("arn:") {
        Some(arn) => {
            let parts: Vec<&str> = arn.splitn(5, ':').collect();
            match parts.as_slice() {
                [_partition, "s3", "", "", resource] => resource.split('/').next().unwrap_or_default(),
                _ => {
                    return Err(LayoutError::Input(format!(
                        "\"{trimmed}\" is not an S3 bucket ARN; expected arn:aws:s3:::<bucket>"
                    )));
                }
            }
        }
        None => trimmed,
    };
    let valid = (3..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !valid {
        return Err(LayoutError::Input(format!(
            "\"{name}\" is not a valid S3 bucket name (3-63 lowercase letters, digits, '-' or '.')"
        )));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inputs() {
        assert_eq!(
            RecordingInput::parse("s3://recs/sessions/a/recording.mp4").unwrap(),
            RecordingInput::S3 { bucket: "recs".into(), key: "sessions/a/recording.mp4".into() }
        );
        assert_eq!(RecordingInput::parse("rec.webm").unwrap().extension(), "webm");
        assert_eq!(RecordingInput::parse("dir/rec").unwrap().extension(), "mp4");
        assert!(RecordingInput::parse("s3://recs").is_err());
        assert!(RecordingInput::parse("s3://recs/folder/").is_err());
    }

    #[test]
    fn bucket_names_and_arns() {
        assert_eq!(bucket_name("my-recordings").unwrap(), "my-recordings");
        assert_eq!(bucket_name("arn:aws:s3:::my-recordings").unwrap(), "my-recordings");
        assert_eq!(bucket_name("arn:aws-cn:s3:::rec.cn/prefix").unwrap(), "rec.cn");
        assert!(bucket_name("arn:aws:iam::123:role/x").unwrap_err().to_string().contains("not an S3 bucket ARN"));
        assert!(bucket_name("Bad_Bucket").is_err());
        assert!(bucket_name("ab").is_err());
    }
}
