//! Temporary files of a run (`session-audio-<pid>-…`, `session-recording-<pid>-…` in the temp
//! folder): named after the process, so that a later run can sweep those of a process that died
//! without removing them (SIGKILL, power loss).

use std::path::Path;

/// Name prefixes of the run's temporary files; each is followed by `<pid>-`.
const PREFIXES: &[&str] = &["session-audio-", "session-recording-"];

/// `session-<what>-<pid of this process>-`, the prefix of a temporary file made now.
pub(crate) fn prefix(what: &str) -> String {
    format!("session-{what}-{}-", std::process::id())
}

/// Removes the temporary files in `temp_dir` left by processes that no longer run; returns how
/// many. Files of live processes, and files named otherwise, are left alone.
pub(crate) fn sweep_dead(temp_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(temp_dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = owner(&name) else { continue };
        if pid != std::process::id() && !alive(pid) && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The pid in `session-audio-<pid>-…`, when the name has that form.
fn owner(name: &str) -> Option<u32> {
    let rest = PREFIXES.iter().find_map(|prefix| name.strip_prefix(prefix))?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

/// Whether process `pid` exists (Linux `/proc`; elsewhere every process counts as alive).
fn alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_of_dead_processes_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        // A pid above the kernel's pid_max (2^22) never runs.
        let dead = dir.path().join("session-audio-4194999-abc.wav");
        let ours = dir.path().join(format!("{}abc.wav", prefix("audio")));
        let old_style = dir.path().join("session-audio-Xyz123.wav");
        let other = dir.path().join("notes-4194999-x.txt");
        for file in [&dead, &ours, &old_style, &other] {
            std::fs::write(file, b"x").unwrap();
        }
        assert_eq!(sweep_dead(dir.path()), 1);
        assert!(!dead.exists() && ours.exists() && old_style.exists() && other.exists());
        assert_eq!(owner("session-recording-12-x.mp4"), Some(12));
    }
}
