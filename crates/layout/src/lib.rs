//! # session_layout
//!
//! The vocabulary every Session Monitor crate shares, with no I/O and no runtime: a validated
//! [`SessionId`] (safe as one folder name and object-key segment), a [`RecordingInput`] (a local
//! file or an S3 object) with [`bucket_name`] for bucket names and ARNs, and [`layout`], the names
//! inside `sessions/<sessionId>/`. It sits below `session_processing` (which re-exports all of it
//! at the same paths) and `session_livekit` (which maps egress files to these types), so the two
//! agree on ids and keys without depending on each other. Errors are one [`LayoutError`] whose
//! text `session_processing` keeps as its `invalid input` error.
//!
//! ```
//! use session_layout::{RecordingInput, SessionId, layout};
//!
//! let id = SessionId::new("RM_abc123")?;
//! assert_eq!(layout::session_folder(id.as_str()), "sessions/RM_abc123");
//! let input = RecordingInput::parse("s3://recordings/sessions/RM_abc123/recording.mp4")?;
//! assert_eq!(input.extension(), "mp4");
//! assert!(SessionId::new("../etc").is_err());
//! # Ok::<(), session_layout::LayoutError>(())
//! ```

mod error;
pub mod layout;
mod recording_input;
mod session_id;

pub use error::LayoutError;
pub use recording_input::{RecordingInput, bucket_name};
pub use session_id::{MAX_SESSION_ID_LEN, SessionId, validate_segment};
