//! Where recordings come from and artifacts go: a local folder or S3, through `object_store`.

mod location;
mod s3;
mod session_lease;
mod session_store;
mod sink;

pub use location::OutputLocation;
pub use s3::S3Settings;
pub(crate) use session_layout::RecordingInput;
pub use session_lease::{DEFAULT_LEASE_TTL, LEASE_FILE, LeaseRecord};
pub(crate) use session_store::download;
pub use session_store::{ArtifactRecord, SessionStore};
pub use sink::{LocalFolder, ObjectStoreSink, S3Bucket, Sink};
