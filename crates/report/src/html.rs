//! Writing HTML safely: every text from a document goes through [`esc`].

use std::fmt::Write;

/// Text escaped for HTML content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `m:ss`, or `h:mm:ss` from an hour on.
pub(crate) fn clock(seconds: f64) -> String {
    let total = if seconds.is_finite() { seconds.max(0.0).floor() as u64 } else { 0 };
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// A duration in words-like units: `45.2 s`, `3 min 05 s`, `1 h 02 min`.
pub(crate) fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "unknown".into();
    }
    if seconds < 60.0 {
        return format!("{seconds:.1} s");
    }
    let total = seconds.round() as u64;
    if total < 3600 {
        return format!("{} min {:02} s", total / 60, total % 60);
    }
    format!("{} h {:02} min", total / 3600, total / 60 % 60)
}

/// A score as shown: one decimal, or an em dash when there is none.
pub(crate) fn score(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.1}"))
}

/// A share (0–1) as a percentage.
pub(crate) fn percent(share: f64) -> String {
    if share > 0.0 && share < 0.01 { "<1 %".into() } else { format!("{:.0} %", share * 100.0) }
}

/// The CSS class of a 0–100 score: `good` from 80, `fair` from 60, `poor` below, `none` without one.
pub(crate) fn band(value: Option<f64>) -> &'static str {
    match value {
        None => "none",
        Some(v) if v >= 80.0 => "good",
        Some(v) if v >= 60.0 => "fair",
        Some(_) => "poor",
    }
}

/// A 0–100 score as a labelled bar (a `meter`, so assistive technology reads its value).
pub(crate) fn score_bar(out: &mut String, label: &str, value: Option<f64>) {
    match value {
        Some(v) => {
            let _ = write!(
                out,
                r#"<span class="scored"><meter class="{band}" min="0" max="100" low="60" high="80" optimum="100" value="{v:.1}" aria-label="{label}: {v:.1} of 100">{v:.1}</meter> <b class="val {band}" aria-hidden="true">{v:.1}</b></span>"#,
                band = band(value),
                label = esc(label),
            );
        }
        None => {
            let _ = write!(out, r#"<span class="no-score" aria-label="{}: no score">no score</span>"#, esc(label));
        }
    }
}

/// Formats into `out`; writing into a `String` cannot fail.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = write!($out, $($arg)*);
    }};
}
pub(crate) use put;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(esc(r#"<b a="1">'x' & y</b>"#), "&lt;b a=&quot;1&quot;&gt;&#39;x&#39; &amp; y&lt;/b&gt;");
        assert_eq!(esc("a\u{7}b"), "a\u{FFFD}b");
    }

    #[test]
    fn clocks_and_durations_read_naturally() {
        assert_eq!(clock(65.9), "1:05");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock(f64::NAN), "0:00");
        assert_eq!(duration(17.42), "17.4 s");
        assert_eq!(duration(185.0), "3 min 05 s");
        assert_eq!(duration(3725.0), "1 h 02 min");
    }

    #[test]
    fn bands_follow_the_score() {
        assert_eq!(band(Some(85.0)), "good");
        assert_eq!(band(Some(60.0)), "fair");
        assert_eq!(band(Some(10.0)), "poor");
        assert_eq!(band(None), "none");
    }
}
