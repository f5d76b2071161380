//! The transcript as the prompt shows it: one `[mm:ss] text` line per segment, long transcripts
//! cut in the middle with an explicit `[… N minutes omitted …]` marker.

use session_transcribe::{Segment, Transcript};

/// Characters kept free for the omission marker when cutting.
const MARKER_RESERVE: usize = 48;

/// The transcript lines sent to the model and which segments they show.
#[derive(Debug)]
pub(crate) struct PromptTranscript<'a> {
    /// The lines joined by `\n`, with the marker where segments were left out.
    pub text: String,
    /// The segments shown, in order; quotes are verified against these only.
    pub shown: Vec<&'a Segment>,
    /// Whether segments were left out to fit `max_chars`.
    pub truncated: bool,
}

/// `[mm:ss]`, or `[h:mm:ss]` from one hour on.
pub(crate) fn timestamp(seconds: f64) -> String {
    let total = if seconds.is_finite() { seconds.max(0.0).floor() as u64 } else { 0 };
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 { format!("[{h}:{m:02}:{s:02}]") } else { format!("[{m:02}:{s:02}]") }
}

fn line(segment: &Segment) -> String {
    let text = segment.text.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{} {text}", timestamp(segment.start_s))
}

/// `line` cut to at most `max_chars` characters, the last being `…`.
fn clip(line: String, max_chars: usize) -> String {
    match line.char_indices().nth(max_chars.saturating_sub(1)) {
        Some((cut, _)) if line.chars().count() > max_chars => format!("{}…", &line[..cut]),
        _ => line,
    }
}

/// `[… 12 minutes omitted …]`; under a minute the seconds are given instead.
pub(crate) fn omission_marker(omitted_s: f64) -> String {
    let seconds = omitted_s.max(0.0).round() as u64;
    if seconds < 60 {
        return format!("[… {seconds} seconds omitted …]");
    }
    let minutes = (omitted_s / 60.0).round() as u64;
    format!("[… {minutes} minute{} omitted …]", if minutes == 1 { "" } else { "s" })
}

/// Lines for every non-empty segment if they fit in `max_chars` characters; otherwise as many as
/// fit from the beginning and from the end (half the budget each) around an omission marker.
pub(crate) fn prompt_transcript(transcript: &Transcript, max_chars: usize) -> PromptTranscript<'_> {
    let lines: Vec<(&Segment, String)> =
        transcript.segments.iter().filter(|s| !s.text.trim().is_empty()).map(|s| (s, line(s))).collect();
    let cost = |l: &String| l.chars().count() + 1;
    let total: usize = lines.iter().map(|(_, l)| cost(l)).sum();
    if total <= max_chars {
        return PromptTranscript {
            text: lines.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n"),
            shown: lines.iter().map(|(s, _)| *s).collect(),
            truncated: false,
        };
    }
    let half = max_chars.saturating_sub(MARKER_RESERVE) / 2;
    // A single line longer than half the budget (a long untimed chunk) is clipped, so the
    // beginning and the end of the session always show something.
    let lines: Vec<(&Segment, String)> = lines.into_iter().map(|(s, l)| (s, clip(l, half.saturating_sub(1)))).collect();
    let fitting = |iter: &mut dyn Iterator<Item = &(&Segment, String)>| {
        let mut used = 0;
        iter.take_while(|(_, l)| {
            used += cost(l);
            used <= half
        })
        .count()
    };
    let head = fitting(&mut lines.iter());
    let tail = fitting(&mut lines.iter().rev()).min(lines.len() - head);
    let omitted = &lines[head..lines.len() - tail];
    let omitted_s = match (omitted.first(), omitted.last()) {
        (Some((first, _)), Some((last, _))) => last.end_s - first.start_s,
        _ => 0.0,
    };
    let mut text: Vec<&str> = lines[..head].iter().map(|(_, l)| l.as_str()).collect();
    let marker = omission_marker(omitted_s);
    text.push(&marker);
    text.extend(lines[lines.len() - tail..].iter().map(|(_, l)| l.as_str()));
    let shown = lines[..head].iter().chain(&lines[lines.len() - tail..]).map(|(s, _)| *s).collect();
    PromptTranscript { text: text.join("\n"), shown, truncated: true }
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_transcribe::DecodingOptions;

    pub(crate) fn transcript(texts: &[(f64, f64, &str)]) -> Transcript {
        let segments: Vec<Segment> =
            texts.iter().map(|&(start_s, end_s, text)| Segment::from_text(start_s, end_s, text)).collect();
        Transcript {
            language: Some("en".into()),
            duration_s: segments.last().map_or(0.0, |s| s.end_s),
            text: texts.iter().map(|t| t.2).collect::<Vec<_>>().join(" "),
            segments,
            words: None,
            model_id: "test".into(),
            decoding: DecodingOptions::default(),
        }
    }

    #[test]
    fn timestamps_are_minutes_and_seconds_then_hours() {
        assert_eq!(timestamp(0.0), "[00:00]");
        assert_eq!(timestamp(65.9), "[01:05]");
        assert_eq!(timestamp(3725.0), "[1:02:05]");
        assert_eq!(timestamp(f64::NAN), "[00:00]");
    }

    #[test]
    fn short_transcripts_are_shown_whole_and_empty_segments_skipped() {
        let t = transcript(&[(1.0, 2.0, " Hello there. "), (2.0, 3.0, "  "), (62.0, 64.0, "How are\nyou?")]);
        let shown = prompt_transcript(&t, 10_000);
        assert_eq!(shown.text, "[00:01] Hello there.\n[01:02] How are you?");
        assert_eq!(shown.shown.len(), 2);
        assert!(!shown.truncated);
    }

    #[test]
    fn long_transcripts_keep_beginning_and_end_around_the_marker() {
        let texts: Vec<(f64, f64, String)> =
            (0..200).map(|i| (i as f64 * 10.0, i as f64 * 10.0 + 9.0, format!("sentence number {i} here"))).collect();
        let borrowed: Vec<(f64, f64, &str)> = texts.iter().map(|(a, b, t)| (*a, *b, t.as_str())).collect();
        let t = transcript(&borrowed);
        let shown = prompt_transcript(&t, 1_000);
        assert!(shown.truncated);
        assert!(shown.text.chars().count() <= 1_000, "{}", shown.text.chars().count());
        assert!(shown.text.starts_with("[00:00] sentence number 0 here"));
        assert!(shown.text.ends_with("[33:10] sentence number 199 here"));
        let marker = shown.text.lines().find(|l| l.starts_with("[… ")).expect("marker line");
        assert!(marker.ends_with("minutes omitted …]"), "{marker}");
        let head = shown.text.lines().take_while(|l| !l.starts_with("[… ")).count();
        let omitted_minutes: u64 = marker["[… ".len()..].split(' ').next().unwrap().parse().unwrap();
        let first_omitted = head as f64 * 10.0;
        let last_omitted_end = (200 - (shown.shown.len() - head)) as f64 * 10.0 - 1.0;
        assert_eq!(omitted_minutes, ((last_omitted_end - first_omitted) / 60.0).round() as u64);
    }

    #[test]
    fn an_overlong_line_is_clipped_instead_of_hiding_the_whole_transcript() {
        let long = "word ".repeat(400);
        let t = transcript(&[(0.0, 30.0, &long), (30.0, 60.0, &long), (60.0, 90.0, &long)]);
        let shown = prompt_transcript(&t, 1_000);
        assert!(shown.truncated);
        assert_eq!(shown.shown.len(), 2, "first and last segment, clipped");
        assert!(shown.text.chars().count() <= 1_000);
        assert!(shown.text.starts_with("[00:00] word word") && shown.text.ends_with('…'));
        assert_eq!(clip("abcdef".into(), 4), "abc…");
        assert_eq!(clip("abcd".into(), 4), "abcd");
    }

    #[test]
    fn marker_wording() {
        assert_eq!(omission_marker(42.4), "[… 42 seconds omitted …]");
        assert_eq!(omission_marker(70.0), "[… 1 minute omitted …]");
        assert_eq!(omission_marker(750.0), "[… 13 minutes omitted …]");
    }
}
