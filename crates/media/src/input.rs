use std::path::Path;

use crate::MediaError;

/// Checks that `path` names a readable, non-empty file before any pipeline touches it.
pub fn check_input(path: &Path) -> Result<u64, MediaError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MediaError::NotFound { path: path.to_path_buf() });
        }
        Err(source) => {
            return Err(MediaError::Io { path: path.to_path_buf(), source });
        }
    };
    if !meta.is_file() {
        return Err(MediaError::NotMedia { path: path.to_path_buf(), detail: "not a regular file".into() });
    }
    if meta.len() == 0 {
        return Err(MediaError::Empty { path: path.to_path_buf() });
    }
    std::fs::File::open(path).map_err(|source| MediaError::Io { path: path.to_path_buf(), source })?;
    if let Some(detail) = crate::mp4_boxes::incomplete_mp4(path) {
        return Err(MediaError::Truncated { path: path.to_path_buf(), detail });
    }
    Ok(meta.len())
}
