//! Issues on the session timeline, and the helpers that find them.

use serde::{Deserialize, Serialize};

/// How much an issue matters to a viewer of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; the session is still usable.
    Info,
    /// Noticeably hurts the session.
    Warning,
    /// Makes that part of the session unusable.
    Critical,
}

/// A problem found in the recording, located in time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Issue {
    /// Stable machine-readable code, e.g. `audio_clipping`.
    pub code: String,
    /// How much it matters.
    pub severity: Severity,
    /// Where it starts, seconds from the start of the recording.
    pub start_s: f64,
    /// Where it ends, seconds from the start of the recording.
    pub end_s: f64,
    /// A sentence a person understands.
    pub message: String,
    /// Set on the one issue that stands for the issues of a code beyond the first 20: how many
    /// it summarises and how long the longest of them lasted (its own span runs from the first
    /// to the last, with gaps between them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<IssueSummary>,
}

/// What a summary issue stands for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IssueSummary {
    /// Issues summarised.
    pub count: usize,
    /// The longest of them, seconds.
    pub longest_s: f64,
    /// Their total length, seconds.
    pub total_s: f64,
}

impl Issue {
    /// How long the problem lasted: the span, or for a summary the longest issue it stands for.
    pub fn longest_s(&self) -> f64 {
        self.summary.map_or((self.end_s - self.start_s).max(0.0), |s| s.longest_s)
    }
}

impl Issue {
    /// An issue with its times rounded to 10 ms, as every report writes them.
    pub fn new(code: &str, severity: Severity, start_s: f64, end_s: f64, message: String) -> Self {
        Self {
            code: code.to_owned(),
            severity,
            start_s: crate::scale::round_to(start_s, 2),
            end_s: crate::scale::round_to(end_s, 2),
            message,
            summary: None,
        }
    }
}

/// At most this many issues of one code are listed; the rest are summarised
/// in one last issue of that code.
pub(crate) const MAX_ISSUES_PER_CODE: usize = 20;

/// Keep the first [`MAX_ISSUES_PER_CODE`] issues and summarise the rest.
pub(crate) fn cap_issues(mut issues: Vec<Issue>, what: &str) -> Vec<Issue> {
    if issues.len() <= MAX_ISSUES_PER_CODE {
        return issues;
    }
    let rest = issues.split_off(MAX_ISSUES_PER_CODE);
    let first = &rest[0];
    let last = &rest[rest.len() - 1];
    let lengths = rest.iter().map(|i| (i.end_s - i.start_s).max(0.0));
    let summary = IssueSummary {
        count: rest.len(),
        longest_s: crate::scale::round_to(lengths.clone().fold(0.0, f64::max), 2),
        total_s: crate::scale::round_to(lengths.sum(), 2),
    };
    let mut summarised = Issue::new(
        &first.code,
        first.severity,
        first.start_s,
        last.end_s,
        format!("{} more {what} between {} and {}", rest.len(), clock(first.start_s), clock(last.end_s)),
    );
    summarised.summary = Some(summary);
    issues.push(summarised);
    issues
}

/// `mm:ss`, or `h:mm:ss` from one hour on.
pub fn clock(time_s: f64) -> String {
    let total = time_s.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m:02}:{s:02}") }
}

/// A stretch of time `[start_s, end_s)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Span {
    pub start_s: f64,
    pub end_s: f64,
}

impl Span {
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// Runs of flagged samples on a regular or irregular timeline. Sample `i`
/// covers `[times_s[i], times_s[i] + span_s)`. Runs separated by less than
/// `bridge_s` are merged; runs shorter than `min_duration_s` are dropped.
pub(crate) fn flagged_runs(
    times_s: &[f64],
    flags: &[bool],
    span_s: f64,
    bridge_s: f64,
    min_duration_s: f64,
) -> Vec<Span> {
    let mut runs: Vec<Span> = Vec::new();
    for (&t, &flag) in times_s.iter().zip(flags) {
        if !flag {
            continue;
        }
        match runs.last_mut() {
            Some(run) if t - run.end_s <= bridge_s => run.end_s = t + span_s,
            _ => runs.push(Span { start_s: t, end_s: t + span_s }),
        }
    }
    runs.retain(|run| run.duration_s() >= min_duration_s);
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats_minutes_and_hours() {
        assert_eq!(clock(70.0), "01:10");
        assert_eq!(clock(3725.4), "1:02:05");
    }

    #[test]
    fn flagged_runs_merge_close_runs_and_drop_short_ones() {
        let times: Vec<f64> = (0..10).map(f64::from).collect();
        let flags = [true, true, false, true, false, false, false, true, false, false];
        let runs = flagged_runs(&times, &flags, 1.0, 1.0, 1.5);
        assert_eq!(runs, vec![Span { start_s: 0.0, end_s: 4.0 }]);
    }

    #[test]
    fn cap_issues_summarises_the_rest() {
        let issues: Vec<Issue> =
            (0..25).map(|i| Issue::new("x", Severity::Info, f64::from(i), f64::from(i) + 0.5, "m".into())).collect();
        let capped = cap_issues(issues, "dropouts");
        assert_eq!(capped.len(), MAX_ISSUES_PER_CODE + 1);
        let summary = capped.last().unwrap();
        assert!(summary.message.starts_with("5 more dropouts"));
        assert_eq!(summary.summary, Some(IssueSummary { count: 5, longest_s: 0.5, total_s: 2.5 }));
        assert_eq!(summary.longest_s(), 0.5, "not the 4.5 s from the first to the last");
    }
}
